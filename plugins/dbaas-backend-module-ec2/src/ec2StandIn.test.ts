import { EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { Instance } from '@dbaas/plugin-dbaas-common';
import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import Docker from 'dockerode';
import mysql from 'mysql2/promise';
import request from 'supertest';
import { SecretBox } from '@dbaas/plugin-dbaas-backend';
import {
  startTestManager,
  TestManager,
} from '@dbaas/plugin-dbaas-backend/testUtils';
import { TEST_ENCRYPTION_KEY, until } from '@dbaas/plugin-dbaas-node/testUtils';
import { dbaasModuleEc2Runtime } from './module';
import { readEc2RuntimeConfig } from './config';
import { Ec2HostProvider } from './Ec2HostProvider';
import {
  dockerOverSsh,
  hostKeyFingerprint,
  HostRef,
} from '@dbaas/plugin-dbaas-node';
import { installStandInEc2 } from './__testUtils__/standInEc2';
import { sshKeyPairFromSeed } from '@dbaas/plugin-dbaas-node';
import {
  connectedWith,
  lockStandInVms,
  onStandInVm,
  registryMirrorAddress,
  removeStandInVms,
  requireStandInParts,
  STAND_IN_LABEL,
  verifiedConnection,
} from '@dbaas/plugin-dbaas-node/testUtils';

// a VM boots, installs Docker from Debian's packages and pulls the image: minutes, not seconds
jest.setTimeout(900_000);

const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const mariadbFlavor = {
  id: 'mariadb-10-11-ec2',
  engine: 'mariadb',
  version: '10.11',
  image: 'dbaas/mariadb:10.11',
  cpu: 1,
  memoryMiB: 512,
  storageGiB: { min: 1, max: 10, default: 2 },
};
const flavor = {
  id: 'postgresql-15-ec2',
  engine: 'postgresql',
  version: '15',
  image: 'dbaas/postgresql:15',
  cpu: 1,
  memoryMiB: 512,
  storageGiB: { min: 1, max: 10, default: 2 },
  runtimeHints: { ec2: { instanceType: 't3.small' } },
};
/** The same server on a larger VM, for the flavor change. */
const largerFlavor = {
  ...flavor,
  id: 'postgresql-15-ec2-larger',
  memoryMiB: 768,
  runtimeHints: { ec2: { instanceType: 't3.medium' } },
};
const asAlice = `Bearer ${mockCredentials.user.token('user:default/alice')}`;

const GiB = 1024 ** 3;
let fakeEc2: ReturnType<typeof installStandInEc2>;

/**
 * Grows the instance's storage from 2 to 3 GiB through the EC2 host provider (the Manager's
 * resize-storage operation calls the same), twice. What the VM sees is checked from inside it.
 * resize2fs grows a mounted ext4 only with CAP_SYS_RESOURCE, which the stand-in VM has only
 * when the Docker host has it: without it the file system stays and the fault says why.
 */
async function expectStorageResize(id: string, vmName: string) {
  const secretBox = new SecretBox(TEST_ENCRYPTION_KEY);
  const config = readEc2RuntimeConfig(
    new ConfigReader({
      region: 'eu-west-1',
      amiId: 'ami-0standin',
      subnetIds: ['subnet-standin'],
      securityGroupIds: ['sg-standin'],
      startTimeoutSeconds: 120,
      pollIntervalSeconds: 1,
    }),
  );
  const provider = new Ec2HostProvider({
    ec2: new EC2Client({ region: 'eu-west-1' }),
    ssm: new SSMClient({ region: 'eu-west-1' }),
    config,
    secretBox,
    logger: mockServices.logger.mock(),
    dockerFor: (host, onHostKey) => dockerOverSsh(host, secretBox, onHostKey),
  });
  const ref = (await provider.find(id))!;
  const ctx = {
    logger: mockServices.logger.mock(),
    signal: new AbortController().signal,
  };
  const diskBytes = () =>
    Number(onStandInVm(vmName, 'blockdev --getsize64 /dev/xvdf'));
  const fileSystemBytes = () =>
    Number(
      onStandInVm(vmName, 'df -B1 --output=size /var/lib/docker | tail -n 1'),
    );
  const capabilityBounds = /^CapBnd:\s*([0-9a-f]+)$/m.exec(
    readFileSync('/proc/self/status', 'utf8'),
  )![1];
  const sysResource = (BigInt(`0x${capabilityBounds}`) >> 24n) & 1n; // CAP_SYS_RESOURCE
  expect(diskBytes()).toBe(2 * GiB);
  const before = fileSystemBytes();
  expect(before).toBeLessThanOrEqual(2 * GiB);

  for (let attempt = 1; attempt <= 2; attempt++) {
    const resized = provider.resizeStorage(ref, 3, ctx);
    if (sysResource) {
      await expect(resized).resolves.toBeUndefined();
      expect(fileSystemBytes()).toBeGreaterThan(2.5 * GiB);
    } else {
      const error = await resized.then(
        () => new Error('the resize succeeded'),
        e => e,
      );
      expect(error).toMatchObject({
        name: 'RuntimeFault',
        code: 'HOST_UNAVAILABLE',
      });
      expect(error.message).toMatch(
        /^Growing the file system of the data volume on [0-9.]+ failed \(exit 1\): Filesystem at \/dev\/xvdf is mounted on \/var\/lib\/docker; on-line resizing required \| .* \| resize2fs: Permission denied to resize filesystem$/,
      );
      expect(fileSystemBytes()).toBe(before);
    }
    // one modification, on the first attempt only; the VM's kernel sees the larger disk
    expect(fakeEc2.calls.filter(c => c === 'ModifyVolume')).toHaveLength(1);
    expect([...fakeEc2.volumes.values()][0]).toMatchObject({ sizeGiB: 3 });
    expect(diskBytes()).toBe(3 * GiB);
  }
  // the one-shot container that ran the grow is gone, the server still runs
  expect(onStandInVm(vmName, "docker ps -a --format '{{.Names}}'")).toBe(
    `dbaas-${id}`,
  );
}

describe('EC2 runtime on a stand-in VM', () => {
  let server: TestManager['server'];
  let get: (id: string) => Promise<Instance | undefined>;

  /** Creates a database and waits until it is no longer provisioning. */
  async function createAndWait(name: string, flavorId: string) {
    const created = await request(server)
      .post('/api/dbaas/instances')
      .set('Authorization', asAlice)
      .send({ name, owner: 'group:default/team-a', flavorId });
    expect(created.status).toBe(202);
    expect(created.body.runtime).toBe('ec2');
    const instance = await until(
      `${name} to be provisioned`,
      () => get(created.body.id),
      i => i?.status !== 'provisioning',
      { timeoutMs: 850_000, intervalMs: 1000 },
    );
    const vm = fakeEc2.instances.find(i =>
      i.tags.some(t => t.Value === created.body.id),
    );
    if (instance?.status !== 'running') {
      // the fault, and what cloud-init did if the VM is still there, for whoever reads the failure
      const events = (
        await request(server)
          .get(`/api/dbaas/instances/${created.body.id}/events`)
          .set('Authorization', asAlice)
      ).body;
      process.stderr.write(
        `${JSON.stringify({ instance, events }, null, 2)}\n`,
      );
      process.stderr.write(
        await (vm?.vm.cloudInitOutput() ?? Promise.resolve('')).catch(
          e => `no cloud-init output: ${e}`,
        ),
      );
    }
    return { id: created.body.id as string, instance, vm: vm! };
  }

  async function credentials(id: string) {
    return (
      await request(server)
        .get(`/api/dbaas/instances/${id}/credentials`)
        .set('Authorization', asAlice)
    ).body;
  }

  async function deleteAndWait(id: string) {
    const deleted = await request(server)
      .delete(`/api/dbaas/instances/${id}`)
      .set('Authorization', asAlice);
    expect(deleted.status).toBe(202);
    await until(
      `${id} to be deleted`,
      () => get(id),
      i => i === undefined,
      {
        timeoutMs: 300_000,
        intervalMs: 1000,
      },
    );
  }

  let releaseStandIns: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    await requireStandInParts('EC2 stand-in test');
    releaseStandIns = await lockStandInVms();
    await removeStandInVms('ec2-standin-');
    fakeEc2 = installStandInEc2();
    const mirror = registryMirrorAddress();
    ({ server } = await startTestManager({
      features: [dbaasModuleEc2Runtime],
      dbaas: {
        defaultRuntime: 'ec2',
        flavors: [flavor, largerFlavor, mariadbFlavor],
        provisioning: { timeoutSeconds: 840 },
        runtimes: {
          ec2: {
            region: 'eu-west-1',
            amiId: 'ami-0standin',
            subnetIds: ['subnet-standin'],
            securityGroupIds: ['sg-standin'],
            registryMirrors: [`http://${mirror}`],
            insecureRegistries: [mirror],
            startTimeoutSeconds: 780,
            pollIntervalSeconds: 1,
          },
        },
      },
    }));
    get = async (id: string) => {
      const res = await request(server)
        .get(`/api/dbaas/instances/${id}`)
        .set('Authorization', asAlice);
      return res.status === 404 ? undefined : (res.body as Instance);
    };
  });

  afterAll(async () => {
    await fakeEc2?.restore();
    await releaseStandIns?.();
  });

  it('boots a VM from the generated user-data, deploys over SSH, keeps a row across a stop and start of the VM, and leaves nothing when deleted', async () => {
    const { id, instance, vm } = await createAndWait(
      'orders-on-ec2',
      flavor.id,
    );
    expect(instance).toMatchObject({
      status: 'running',
      health: 'healthy',
      host: vm.vm.address,
    });
    expect(fakeEc2.instances).toHaveLength(1);
    expect([...fakeEc2.volumes.values()]).toEqual([
      expect.objectContaining({ instanceId: vm.id, encrypted: true }),
    ]);

    const creds = await credentials(id);
    expect(creds).toMatchObject({ host: vm.vm.address, port: 5432 });
    // over TLS, verifying the VM's certificate (issued for its address) with the CA
    expect(creds.uri).toMatch(/\?sslmode=verify-full$/);
    const client = await connectedWith(creds);
    await client.query('CREATE TABLE kept (v TEXT)');
    await client.query("INSERT INTO kept VALUES ('on a VM')");
    const { rows } = await client.query('SELECT v FROM kept');
    await client.end();
    expect(rows).toEqual([{ v: 'on a VM' }]);

    // inside the VM: Docker's data is on the formatted data volume, its API on no TCP port,
    // and the image came through the registry mirror
    const vmName = vm.vm.name;
    const dataDevice = onStandInVm(
      vmName,
      'findmnt -no SOURCE /var/lib/docker',
    );
    expect(dataDevice).toBe('/dev/xvdf');
    const filesystem = onStandInVm(vmName, `blkid -o export ${dataDevice}`);
    expect(filesystem).toContain('LABEL=dbaas-data');
    expect(filesystem).toContain('TYPE=ext4');
    expect(onStandInVm(vmName, 'ss -ltnH')).not.toMatch(/:237[56]\b/);
    expect(
      onStandInVm(vmName, "docker ps --format '{{.Image}} {{.Names}}'"),
    ).toBe(`dbaas/postgresql:15 dbaas-${id}`);

    // the VM's SSH host key: the first one seen is pinned, and another is refused
    const secretBox = new SecretBox(TEST_ENCRYPTION_KEY);
    const hostRef: HostRef = {
      runtime: 'ec2',
      instanceId: id,
      address: vm.vm.address,
      data: {
        sshUser: 'dbaas',
        sshPrivateKey: secretBox.seal(
          sshKeyPairFromSeed(secretBox.derive(`ec2-ssh-key:${id}`), 'test')
            .privateKey,
        ),
      },
    };
    const scanned = execFileSync('ssh-keyscan', ['-T', '10', vm.vm.address])
      .toString()
      .split('\n')
      .filter(Boolean)
      .map(line =>
        hostKeyFingerprint(Buffer.from(line.split(' ')[2], 'base64')),
      );
    let seen = '';
    await dockerOverSsh(hostRef, secretBox, fingerprint => {
      seen = fingerprint;
    }).ping();
    expect(scanned).toContain(seen);
    const pinned = (fingerprint: string) => ({
      ...hostRef,
      data: { ...hostRef.data, sshHostKeySha256: fingerprint },
    });
    await expect(
      dockerOverSsh(pinned(seen), secretBox).ping(),
    ).resolves.toBeTruthy();
    await expect(
      dockerOverSsh(pinned('another-host-key'), secretBox).ping(),
    ).rejects.toThrow();

    // stop: the server, then the VM (StopInstances: it costs nothing while stopped)
    const operation = async (name: 'stop' | 'start') => {
      const asked = await request(server)
        .post(`/api/dbaas/instances/${id}/${name}`)
        .set('Authorization', asAlice);
      expect(asked.status).toBe(202);
      return until(
        `${id}'s ${name} to end`,
        () => get(id),
        i => !i?.operation,
        { timeoutMs: 300_000, intervalMs: 1000 },
      );
    };
    expect(await operation('stop')).toMatchObject({ status: 'stopped' });
    expect(fakeEc2.calls).toContain('StopInstances');
    expect(vm.state).toBe('stopped');
    expect(await vm.vm.running()).toBe(false);

    // start: the VM boots again (StartInstances), Docker answers over SSH with the pinned
    // host key, and the database has the row written before
    expect(await operation('start')).toMatchObject({
      status: 'running',
      health: 'healthy',
      host: vm.vm.address,
    });
    expect(fakeEc2.calls).toContain('StartInstances');
    expect(vm.state).toBe('running');
    expect(await vm.vm.running()).toBe(true);
    const restarted = await connectedWith(await credentials(id));
    const { rows: kept } = await restarted.query('SELECT v FROM kept');
    await restarted.end();
    expect(kept).toEqual([{ v: 'on a VM' }]);

    // storage resize, as the Manager asks it of the host provider: ModifyVolume (the stand-in
    // grows the loop device behind the VM's /dev/xvdf), then resize2fs run on the VM over SSH
    await expectStorageResize(id, vmName);
    const resized = await connectedWith(await credentials(id));
    const { rows: stillKept } = await resized.query('SELECT v FROM kept');
    await resized.end();
    expect(stillKept).toEqual([{ v: 'on a VM' }]);

    // flavor change: the server and the VM stopped, the VM made a t3.medium
    // (ModifyInstanceAttribute) and started, the server made again with the new memory limit
    expect(vm.instanceType).toBe('t3.small');
    const changed = await request(server)
      .patch(`/api/dbaas/instances/${id}`)
      .set('Authorization', asAlice)
      .send({ flavorId: largerFlavor.id });
    expect(changed.status).toBe(200);
    expect(
      await until(
        `${id}'s flavor change to end`,
        () => get(id),
        i => !i?.operation,
        { timeoutMs: 300_000, intervalMs: 1000 },
      ),
    ).toMatchObject({
      status: 'running',
      health: 'healthy',
      flavorId: largerFlavor.id,
      host: vm.vm.address,
    });
    const retyped = fakeEc2.calls.lastIndexOf('ModifyInstanceAttribute');
    expect(fakeEc2.calls.filter(c => c === 'ModifyInstanceAttribute')).toEqual([
      'ModifyInstanceAttribute',
    ]);
    expect(fakeEc2.calls.lastIndexOf('StopInstances')).toBeLessThan(retyped);
    expect(fakeEc2.calls.lastIndexOf('StartInstances')).toBeGreaterThan(
      retyped,
    );
    expect(vm).toMatchObject({ instanceType: 't3.medium', state: 'running' });
    expect(
      onStandInVm(
        vmName,
        `docker inspect --format '{{.HostConfig.Memory}} {{.Config.Image}}' dbaas-${id}`,
      ),
    ).toBe(`${768 * 1024 * 1024} dbaas/postgresql:15`);
    const retypedClient = await connectedWith(await credentials(id));
    const { rows: keptAfterChange } = await retypedClient.query(
      'SELECT v FROM kept',
    );
    await retypedClient.end();
    expect(keptAfterChange).toEqual([{ v: 'on a VM' }]);

    const logs = await request(server)
      .get(`/api/dbaas/instances/${id}/logs?tail=50`)
      .set('Authorization', asAlice);
    expect(logs.body.text).toMatch(/ready to accept connections/);
    expect(JSON.stringify(logs.body)).not.toContain(creds.password);

    await deleteAndWait(id);

    expect(fakeEc2.calls).toEqual(
      expect.arrayContaining(['TerminateInstances', 'DeleteKeyPair']),
    );
    expect(fakeEc2.keyPairs.size).toBe(0);
    expect(fakeEc2.volumes.size).toBe(0);
    const left = await docker.listContainers({
      all: true,
      filters: { label: [STAND_IN_LABEL] },
    });
    expect(left.filter(c => c.Names[0] === `/${vmName}`)).toEqual([]);
    expect(execFileSync('losetup', ['-a']).toString()).not.toContain(vmName);
  });

  it('runs MariaDB the same way, on its own VM with its standard port', async () => {
    const { id, instance, vm } = await createAndWait(
      'ledger-on-ec2',
      mariadbFlavor.id,
    );
    expect(instance).toMatchObject({ status: 'running', host: vm.vm.address });
    const creds = await credentials(id);
    expect(creds).toMatchObject({ host: vm.vm.address, port: 3306 });
    const conn = await mysql.createConnection(verifiedConnection(creds));
    await conn.query('CREATE TABLE kept (v TEXT)');
    await conn.query("INSERT INTO kept VALUES ('on a VM')");
    const [rows] = await conn.query('SELECT v FROM kept');
    await conn.end();
    expect(rows).toEqual([{ v: 'on a VM' }]);

    await deleteAndWait(id);
    expect(vm.state).toBe('terminated');
    expect(
      (
        await docker.listContainers({
          all: true,
          filters: { label: [STAND_IN_LABEL] },
        })
      ).filter(c => c.Names[0] === `/${vm.vm.name}`),
    ).toEqual([]);
  });
});
