import { LoggerService } from '@backstage/backend-plugin-api';
import {
  DockerEngineRuntime,
  HostSpec,
  RuntimeFault,
  SecretSealer,
  StepContext,
  VmDockerFor,
} from '@dbaas/plugin-dbaas-node';
import Docker from 'dockerode';
import { postgresFlavor } from '@dbaas/plugin-dbaas-node/testUtils';
import crypto from 'crypto';
import { FakeCompute } from './__testUtils__/fakeCompute';
import { FAKE_TOKEN, fakeClientOptions } from './__testUtils__/fakeCredentials';
import { testConfig } from './__testUtils__/testConfig';
import { GceRuntimeConfig } from './config';
import { createGceRuntime } from './createGceRuntime';
import { GceHostProvider } from './GceHostProvider';
import { insertRequest, requestIdFor } from './insertRequest';
import { instanceKeyPair } from './hostRef';

/** A SecretSealer for tests: base64 JSON, keys derived by HMAC. */
const secretBox: SecretSealer = {
  seal: value =>
    `sealed:${Buffer.from(JSON.stringify(value)).toString('base64')}`,
  open: <T>(sealed: string) =>
    JSON.parse(Buffer.from(sealed.slice(7), 'base64').toString()) as T,
  derive: purpose =>
    crypto.createHmac('sha256', 'test manager key').update(purpose).digest(),
};

const spec: HostSpec = {
  instanceId: '0b8e4c2a-7f1d-4e5b-9a3c-2d6f8e1a4b7c',
  instanceName: 'orders',
  owner: 'user:default/jane',
  flavor: postgresFlavor,
  storageGiB: 20,
};
const VM = 'dbaas-0b8e4c2a-7f1d-4e5b-9a3c-2d6f8e1a4b7c';
const DISK = `${VM}-data`;
const [ZONE_B, ZONE_C] = testConfig.zones;
const FILTER = `(labels.dbaas-instance = "${spec.instanceId}") AND (labels.managed-by = "backstage-dbaas")`;
const listed = (kind: string, zone: string) =>
  `GET zones/${zone}/${kind}?${new URLSearchParams({ filter: FILTER })}`;

/** Proto3 JSON leaves empty lists out (and sends some empty maps): compare without either. */
function onTheWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(onTheWire);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(
          ([, v]) =>
            !(
              v &&
              typeof v === 'object' &&
              Object.keys(v as object).length === 0
            ),
        )
        .map(([k, v]) => [k, onTheWire(v)]),
    );
  }
  return value;
}

describe('GceHostProvider (Compute REST API contract, against a local fake)', () => {
  const fake = new FakeCompute();
  let endpoint: string;
  let logLines: string[];

  beforeAll(async () => {
    endpoint = await fake.start();
  });
  afterAll(() => fake.stop());
  beforeEach(() => {
    fake.reset();
    logLines = [];
  });

  function logger(): LoggerService {
    const log = (message: string) => {
      logLines.push(message);
    };
    return {
      info: log,
      warn: log,
      error: log,
      debug: log,
      child: () => logger(),
    };
  }
  const ctx = (): StepContext => ({
    logger: logger(),
    signal: new AbortController().signal,
  });

  function config(overrides: Partial<GceRuntimeConfig> = {}): GceRuntimeConfig {
    return { ...testConfig, apiEndpoint: endpoint, ...overrides };
  }

  /**
   * Docker on the VMs, as far as the host provider asks it: a ping (with the host key), the
   * volume, and the one-shot container that grows the file system (its command recorded).
   */
  const docker = {
    pings: [] as string[],
    volumes: [] as unknown[],
    grows: [] as string[][],
  };
  const dockerFor: VmDockerFor = (host, onHostKey) =>
    ({
      ping: async () => {
        docker.pings.push(host.address);
        onHostKey?.('SHA256:the-vm-host-key');
      },
      createVolume: async (options: unknown) => {
        docker.volumes.push(options);
      },
      getContainer: () => ({
        inspect: async () => ({ Config: { Image: 'dbaas/postgresql:15' } }),
        remove: async () => {},
      }),
      createContainer: async (options: { Cmd: string[] }) => {
        docker.grows.push(options.Cmd);
        return {
          start: async () => {},
          wait: async () => ({ StatusCode: 0 }),
          logs: async () => Buffer.from('resize2fs: done\n3221225472'),
        };
      },
    } as unknown as Docker);
  beforeEach(() => {
    docker.pings.length = 0;
    docker.volumes.length = 0;
    docker.grows.length = 0;
  });

  function runtime(overrides: Partial<GceRuntimeConfig> = {}) {
    return createGceRuntime(config(overrides), {
      secretBox,
      logger: logger(),
      clientOptions: fakeClientOptions,
      dockerFor,
    });
  }
  const provider = (overrides: Partial<GceRuntimeConfig> = {}) =>
    runtime(overrides).host as GceHostProvider;

  it('creates the VM with instances.insert (the body and request id), waits on the zone operation and until it runs', async () => {
    const ref = await provider().provision(spec, ctx());

    const { publicKey } = instanceKeyPair(secretBox, spec.instanceId);
    const expected = insertRequest({ spec, zone: ZONE_B, publicKey }, config());
    const [insert] = fake.calls.filter(
      c => c.method === 'POST' && c.path.endsWith('/instances'),
    );
    expect(insert.project).toBe('dbaas-test');
    expect(insert.query).toEqual({
      requestId: requestIdFor(spec.instanceId, ZONE_B),
    });
    expect(onTheWire(insert.body)).toEqual(
      onTheWire(expected.instanceResource),
    );
    // no external IP: the interface has no access config at all
    expect(insert.body.networkInterfaces[0].accessConfigs).toBeUndefined();
    expect(JSON.stringify(insert.body)).not.toContain('PRIVATE KEY');
    expect(fake.callLines()).toEqual([
      listed('instances', ZONE_B),
      listed('instances', ZONE_C),
      `POST zones/${ZONE_B}/instances?requestId=${requestIdFor(
        spec.instanceId,
        ZONE_B,
      )}`,
      `POST zones/${ZONE_B}/operations/operation-1/wait`,
      `GET zones/${ZONE_B}/instances/${VM}`,
      `GET zones/${ZONE_B}/instances/${VM}`,
    ]);
    // every call carried the fake credentials, and only to the local fake
    expect(new Set(fake.calls.map(c => c.authorization))).toEqual(
      new Set([`Bearer ${FAKE_TOKEN}`]),
    );

    expect(ref).toEqual({
      runtime: 'gce',
      instanceId: spec.instanceId,
      address: '10.128.0.10',
      data: {
        project: 'dbaas-test',
        zone: ZONE_B,
        gceInstanceName: VM,
        dataDisk: DISK,
        sshUser: 'dbaas',
        sshPrivateKey: expect.stringMatching(/^sealed:/),
        sshHostKeySha256: 'SHA256:the-vm-host-key',
        volume: `dbaas-${spec.instanceId}-data`,
        publishStandardPort: true,
      },
    });
    expect(secretBox.open<string>(String(ref.data.sshPrivateKey))).toBe(
      instanceKeyPair(secretBox, spec.instanceId).privateKey,
    );
    // the VM and its two disks, the data disk as asked for
    expect([...fake.instances.keys()]).toEqual([`${ZONE_B}/${VM}`]);
    expect(fake.disks.get(`${ZONE_B}/${DISK}`)).toMatchObject({
      sizeGb: '20',
      type: `zones/${ZONE_B}/diskTypes/pd-balanced`,
      labels: {
        'dbaas-instance': spec.instanceId,
        'managed-by': 'backstage-dbaas',
      },
    });
    expect(logLines.join('\n')).not.toContain('PRIVATE KEY');
  });

  it('sends the same requestId when an insert is repeated, so GCE makes one VM', async () => {
    // the insert is done, but its answer is lost (a 503): the retry is the same request
    fake.failNext({
      method: 'POST',
      path: /\/instances$/,
      status: 503,
      message: 'Backend Error',
      reason: 'backendError',
      afterWork: true,
    });
    const ref = await provider().provision(spec, ctx());
    const inserts = fake.calls.filter(
      c => c.method === 'POST' && c.path.endsWith('/instances'),
    );
    expect(inserts).toHaveLength(2);
    expect(inserts[1].query.requestId).toBe(inserts[0].query.requestId);
    expect(inserts[1].body).toEqual(inserts[0].body);
    expect(fake.instances.size).toBe(1);
    expect(ref.data.gceInstanceName).toBe(VM);
    expect(logLines).toContainEqual(
      expect.stringMatching(
        /^GCE instances.insert: HTTP 503 Backend Error; retrying in \d+ ms \(attempt 2 of 3\)$/,
      ),
    );

    // and a second provision of the instance finds its VM by label instead of inserting
    fake.calls.length = 0;
    const again = await provider().provision(spec, ctx());
    expect(again).toEqual(ref);
    expect(fake.calls.filter(c => c.method === 'POST')).toEqual([]);
    expect(fake.instances.size).toBe(1);
  });

  it('tries the next zone on ZONE_RESOURCE_POOL_EXHAUSTED, and gives HOST_CAPACITY when none has room', async () => {
    fake.exhaustedZones.add(ZONE_B);
    const ref = await provider().provision(spec, ctx());
    expect(ref.data.zone).toBe(ZONE_C);
    expect(fake.callLines().filter(l => l.startsWith('POST'))).toEqual([
      `POST zones/${ZONE_B}/instances?requestId=${requestIdFor(
        spec.instanceId,
        ZONE_B,
      )}`,
      `POST zones/${ZONE_B}/operations/operation-${opNumber(0)}/wait`,
      `POST zones/${ZONE_C}/instances?requestId=${requestIdFor(
        spec.instanceId,
        ZONE_C,
      )}`,
      `POST zones/${ZONE_C}/operations/operation-${opNumber(1)}/wait`,
    ]);
    expect(fake.callLines()).toContain(listed('disks', ZONE_B));
    expect([...fake.instances.keys()]).toEqual([`${ZONE_C}/${VM}`]);
    expect(logLines).toContain(
      `Zone ${ZONE_B} has no capacity for this VM (ZONE_RESOURCE_POOL_EXHAUSTED); trying ${ZONE_C}`,
    );

    fake.reset();
    fake.exhaustedZones.add(ZONE_B);
    fake.exhaustedZones.add(ZONE_C);
    await expect(provider().provision(spec, ctx())).rejects.toMatchObject({
      code: 'HOST_CAPACITY',
      message: expect.stringContaining('add zones to dbaas.runtimes.gce.zones'),
    });
    expect(fake.instances.size).toBe(0);
  });

  function opNumber(index: number) {
    const waits = fake.calls.filter(c => c.path.endsWith('/wait'));
    return waits[index].path.match(/operation-(\d+)/)![1];
  }

  it('maps each error: quota → HOST_CAPACITY, 403 → HOST_PERMISSION, 404 image/network → the key to fix, without retrying', async () => {
    const inserts = () =>
      fake.calls.filter(
        c => c.method === 'POST' && c.path.endsWith('/instances'),
      ).length;
    const cases: Array<[number, string, string, object]> = [
      [
        403,
        "Quota 'CPUS' exceeded.  Limit: 8.0 in region europe-west1.",
        'quotaExceeded',
        {
          code: 'HOST_CAPACITY',
          message: expect.stringContaining(
            'a quota of project dbaas-test is used up',
          ),
        },
      ],
      [
        403,
        "Required 'compute.instances.create' permission for 'projects/dbaas-test/zones/europe-west1-b/instances/x'",
        'forbidden',
        {
          code: 'HOST_PERMISSION',
          message: expect.stringContaining(
            "grant the backend's service account compute.instances.create",
          ),
        },
      ],
      [
        404,
        "The resource 'projects/debian-cloud/global/images/family/debian-99' was not found",
        'notFound',
        {
          code: 'HOST_UNAVAILABLE',
          message: expect.stringContaining(
            '(check dbaas.runtimes.gce: imageFamily / imageProject)',
          ),
        },
      ],
      [
        404,
        "The resource 'projects/dbaas-test/global/networks/nope' was not found",
        'notFound',
        {
          code: 'HOST_UNAVAILABLE',
          message: expect.stringContaining(
            '(check dbaas.runtimes.gce: network)',
          ),
        },
      ],
    ];
    for (const [status, message, reason, fault] of cases) {
      fake.calls.length = 0;
      fake.failNext({
        method: 'POST',
        path: /\/instances$/,
        status,
        message,
        reason,
      });
      const error = await provider()
        .provision(spec, ctx())
        .catch(e => e);
      expect([message, error]).toEqual([
        message,
        expect.objectContaining(fault),
      ]);
      expect(error).toBeInstanceOf(RuntimeFault);
      expect(error.message).not.toContain(FAKE_TOKEN);
      expect(inserts()).toBe(1);
    }
    expect(fake.instances.size).toBe(0);
  });

  it('does not wait for a VM found stopped, and never adopts a VM of the same name it did not label', async () => {
    fake.addVm(ZONE_B, VM, {
      'dbaas-instance': spec.instanceId,
      'managed-by': 'backstage-dbaas',
    });
    fake.instances.get(`${ZONE_B}/${VM}`)!.status = 'TERMINATED';
    await expect(provider().provision(spec, ctx())).rejects.toMatchObject({
      code: 'HOST_UNAVAILABLE',
      message: `VM ${VM} in ${ZONE_B} is TERMINATED, not starting: see its serial console in the Google Cloud console, or delete the instance`,
    });
    expect(fake.calls.filter(c => c.method !== 'GET')).toEqual([]);

    fake.reset();
    // someone else's VM of that name: the insert answers 409, and nothing is deleted
    fake.addVm(ZONE_B, VM, { team: 'other' });
    fake.failNext({
      method: 'POST',
      path: /\/instances$/,
      status: 409,
      message: `The resource 'projects/dbaas-test/zones/${ZONE_B}/instances/${VM}' already exists`,
      reason: 'alreadyExists',
    });
    await expect(provider().provision(spec, ctx())).rejects.toMatchObject({
      code: 'HOST_UNAVAILABLE',
      message: expect.stringContaining('already exists'),
    });
    expect(await provider().find(spec.instanceId)).toBeUndefined();
    await provider().destroy(
      {
        runtime: 'gce',
        instanceId: spec.instanceId,
        address: '',
        data: { zone: ZONE_B, gceInstanceName: VM },
      },
      ctx(),
    );
    expect([...fake.instances.keys()]).toEqual([`${ZONE_B}/${VM}`]);
  });

  it('retries a 429 and then succeeds; gives up after apiMaxAttempts on 5xx (the client itself does not retry)', async () => {
    fake.failNext({
      method: 'POST',
      path: /\/instances$/,
      status: 429,
      message: 'Rate Limit Exceeded',
      reason: 'rateLimitExceeded',
    });
    await provider().provision(spec, ctx());
    const inserts = fake.calls.filter(
      c => c.method === 'POST' && c.path.endsWith('/instances'),
    );
    expect(inserts).toHaveLength(2);
    expect(inserts[1].query.requestId).toBe(inserts[0].query.requestId);
    expect(fake.instances.size).toBe(1);

    fake.calls.length = 0;
    for (let i = 0; i < 5; i++) {
      fake.failNext({
        method: 'GET',
        path: /instances$/,
        status: 503,
        message: 'Service Unavailable',
        reason: 'backendError',
      });
    }
    await expect(
      provider({ apiMaxAttempts: 3 }).find(spec.instanceId),
    ).rejects.toMatchObject({
      code: 'HOST_UNAVAILABLE',
      message: 'GCE instances.list failed: Service Unavailable',
    });
    expect(fake.callLines()).toEqual([
      listed('instances', ZONE_B),
      listed('instances', ZONE_B),
      listed('instances', ZONE_B),
    ]);
  });

  it('waits on a zone operation until it is DONE', async () => {
    fake.waitsPerOperation = 3;
    try {
      await provider().provision(spec, ctx());
    } finally {
      fake.waitsPerOperation = 1;
    }
    expect(fake.callLines().filter(l => l.endsWith('/wait'))).toEqual([
      `POST zones/${ZONE_B}/operations/operation-${opNumber(0)}/wait`,
      `POST zones/${ZONE_B}/operations/operation-${opNumber(0)}/wait`,
      `POST zones/${ZONE_B}/operations/operation-${opNumber(0)}/wait`,
    ]);
  });

  it('finds the VM again by its labels, and a data disk a failed create left', async () => {
    const made = await provider().provision(spec, ctx());
    fake.addVm(ZONE_B, 'dbaas-other', {
      'dbaas-instance': 'other',
      'managed-by': 'backstage-dbaas',
    });
    fake.calls.length = 0;
    // the host key is pinned when Docker first answers: provisioning again pins it
    const { sshHostKeySha256, ...found } = made.data;
    expect(await provider().find(spec.instanceId)).toEqual({
      ...made,
      data: found,
    });
    expect(fake.callLines()).toEqual([
      listed('instances', ZONE_B),
      listed('instances', ZONE_C),
    ]);
    expect(await provider().find('never-made')).toBeUndefined();

    fake.instances.clear();
    fake.disks.clear();
    fake.addDisk(ZONE_C, DISK, {
      'dbaas-instance': spec.instanceId,
      'managed-by': 'backstage-dbaas',
    });
    expect(await provider().find(spec.instanceId)).toMatchObject({
      address: '',
      data: { zone: ZONE_C, gceInstanceName: undefined, dataDisk: DISK },
    });
  });

  it('describes the VM: running, stopped, gone', async () => {
    const host = provider();
    const ref = await host.provision(spec, ctx());
    expect(await host.describe(ref)).toEqual({ exists: true });
    fake.instances.get(`${ZONE_B}/${VM}`)!.status = 'TERMINATED';
    expect(await host.describe(ref)).toEqual({
      exists: true,
      stopped: true,
      message: `VM ${VM} is TERMINATED`,
    });
    fake.instances.clear();
    expect(await host.describe(ref)).toEqual({
      exists: false,
      message: `VM ${VM} is gone`,
    });
  });

  it('destroy deletes the VM and its data disk and nothing else; repeating it is success', async () => {
    const ref = await provider().provision(spec, ctx());
    fake.addVm(ZONE_B, 'dbaas-other', {
      'dbaas-instance': 'other',
      'managed-by': 'backstage-dbaas',
    });
    fake.addDisk(ZONE_B, 'dbaas-other-data', {
      'dbaas-instance': 'other',
      'managed-by': 'backstage-dbaas',
    });
    fake.addDisk(ZONE_B, 'unlabelled', {});
    fake.calls.length = 0;

    await provider().destroy(ref, ctx());
    const deletes = fake.calls.filter(c => c.method === 'DELETE');
    expect(deletes.map(c => c.path)).toEqual([
      `zones/${ZONE_B}/instances/${VM}`,
      `zones/${ZONE_B}/disks/${DISK}`,
    ]);
    for (const d of deletes)
      expect(d.query.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(fake.callLines().filter(l => l.endsWith('/wait'))).toHaveLength(2);
    expect([...fake.instances.keys()]).toEqual([`${ZONE_B}/dbaas-other`]);
    expect([...fake.disks.keys()].sort()).toEqual([
      `${ZONE_B}/dbaas-other-data`,
      `${ZONE_B}/unlabelled`,
    ]);

    fake.calls.length = 0;
    await provider().destroy(ref, ctx());
    expect(fake.calls.filter(c => c.method === 'DELETE')).toEqual([]);
  });

  it('waits until Docker answers on the VM over SSH, pins its host key and makes the volume', async () => {
    const ref = await provider().provision(spec, ctx());

    expect(docker.pings).toEqual(['10.128.0.10']);
    expect(ref.data.sshHostKeySha256).toBe('SHA256:the-vm-host-key');
    expect(docker.volumes).toEqual([
      {
        Name: `dbaas-${spec.instanceId}-data`,
        Labels: expect.objectContaining({
          'dbaas.backstage.io/instance-id': spec.instanceId,
          'dbaas.backstage.io/owner': spec.owner,
        }),
      },
    ]);
    expect(JSON.stringify(ref)).not.toContain('PRIVATE KEY');
  });

  it('stops the VM with instances.stop and starts it with instances.start, waiting for each and for Docker again', async () => {
    const host = provider();
    const ref = await host.provision(spec, ctx());
    fake.calls.length = 0;
    docker.pings.length = 0;

    await host.stop!(ref, ctx());
    expect(fake.instances.get(`${ZONE_B}/${VM}`)!.status).toBe('TERMINATED');
    const started = await host.start!(ref, ctx());

    // same address, same host key: nothing to record anew
    expect(started).toBeUndefined();
    expect(docker.pings).toEqual(['10.128.0.10']);
    const lines = fake
      .callLines()
      .map(l =>
        l
          .replace(/requestId=[0-9a-f-]+/, 'requestId=R')
          .replace(/operation-\d+/, 'operation-N'),
      );
    expect(lines).toEqual([
      `POST zones/${ZONE_B}/instances/${VM}/stop?requestId=R`,
      `POST zones/${ZONE_B}/operations/operation-N/wait`,
      `GET zones/${ZONE_B}/instances/${VM}`,
      `POST zones/${ZONE_B}/instances/${VM}/start?requestId=R`,
      `POST zones/${ZONE_B}/operations/operation-N/wait`,
      `GET zones/${ZONE_B}/instances/${VM}`,
      `GET zones/${ZONE_B}/instances/${VM}`,
    ]);
    // each stop and start is its own request: GCE would dedupe a repeated id
    const ids = fake.calls
      .filter(c => c.query.requestId)
      .map(c => c.query.requestId);
    expect(new Set(ids).size).toBe(2);
  });

  it('grows the data disk with disks.resize (once, by request id) and then its file system over SSH', async () => {
    const host = provider();
    const ref = await host.provision(spec, ctx());
    fake.calls.length = 0;

    await host.resizeStorage!(ref, 30, ctx());
    await host.resizeStorage!(ref, 30, ctx());

    expect(fake.disks.get(`${ZONE_B}/${DISK}`)).toMatchObject({ sizeGb: '30' });
    const resizes = fake.calls.filter(c => c.path.endsWith('/resize'));
    expect(resizes).toHaveLength(1);
    expect(resizes[0]).toMatchObject({
      method: 'POST',
      path: `zones/${ZONE_B}/disks/${DISK}/resize`,
      body: { sizeGb: '30' },
    });
    // the file system grown each time (resize2fs has nothing to do the second time)
    expect(docker.grows).toHaveLength(2);
    expect(docker.grows[0].slice(-2)).toEqual([
      'dbaas-grow',
      String(30 * 1024 ** 3),
    ]);
  });

  it("gives the stopped VM the flavor's machine type with instances.setMachineType, once", async () => {
    const host = provider();
    const ref = await host.provision(spec, ctx());
    await host.stop!(ref, ctx());
    const larger = {
      ...postgresFlavor,
      runtimeHints: { gce: { machineType: 'n2-standard-4' } },
    };
    fake.calls.length = 0;

    await host.changeFlavor!(ref, larger, ctx());
    await host.changeFlavor!(ref, larger, ctx());

    expect(fake.instances.get(`${ZONE_B}/${VM}`)!.machineType).toBe(
      `zones/${ZONE_B}/machineTypes/n2-standard-4`,
    );
    expect(
      fake.calls.filter(c => c.path.endsWith('/setMachineType')),
    ).toHaveLength(1);
  });

  it('names the permission a refused stop needs', async () => {
    const host = provider();
    const ref = await host.provision(spec, ctx());
    fake.failNext({
      method: 'POST',
      path: /\/stop$/,
      status: 403,
      message: 'Required permission denied',
      reason: 'forbidden',
    });

    await expect(host.stop!(ref, ctx())).rejects.toMatchObject({
      code: 'HOST_PERMISSION',
      message: expect.stringContaining('compute.instances.stop'),
    });
  });

  it('the runtime validates the flavor hint, and its engine is Docker on the VM, whose removal the VM delete does', async () => {
    const rt = runtime();
    expect(rt.name).toBe('gce');
    expect(
      rt.unsupportedReason({
        ...postgresFlavor,
        runtimeHints: { gce: { machineType: 't3.micro' } },
      }),
    ).toContain(
      'runtimeHints.gce.machineType must be a Compute Engine machine type',
    );
    expect(rt.engine).toBeInstanceOf(DockerEngineRuntime);
    expect(rt.engine.deployAnswers).toBe(true);
    const engineSpec = {
      instanceId: spec.instanceId,
      flavor: postgresFlavor,
      storageGiB: 20,
      database: 'app',
      username: 'app',
    };
    const ref = await rt.host.provision(spec, ctx());
    await expect(
      rt.engine.remove(ref, engineSpec, ctx()),
    ).resolves.toBeUndefined();
  });
});
