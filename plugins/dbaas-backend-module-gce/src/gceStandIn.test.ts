import { createBackendModule } from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { SecretBox } from '@dbaas/plugin-dbaas-backend';
import { Credentials, Instance } from '@dbaas/plugin-dbaas-common';
import { dbaasRuntimesExtensionPoint } from '@dbaas/plugin-dbaas-node';
import {
  connectedWith,
  lockStandInVms,
  onStandInVm,
  registryMirrorAddress,
  removeStandInVms,
  requireStandInParts,
  STAND_IN_LABEL,
  TEST_ENCRYPTION_KEY,
  until,
} from '@dbaas/plugin-dbaas-node/testUtils';
import {
  startTestManager,
  TestManager,
} from '@dbaas/plugin-dbaas-backend/testUtils';
import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import Docker from 'dockerode';
import request from 'supertest';
import { FakeCompute } from './__testUtils__/fakeCompute';
import { fakeClientOptions } from './__testUtils__/fakeCredentials';
import { GCE_STAND_IN_PREFIX, standInVmHost } from './__testUtils__/standInGce';
import { gceRuntimeRegistration } from './module';
import { readGceRuntimeConfig } from './config';
import { createGceRuntime } from './createGceRuntime';

// a VM boots, installs Docker from Debian's packages and pulls the image: minutes, not seconds
jest.setTimeout(900_000);

const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const flavor = {
  id: 'postgresql-15-gce',
  engine: 'postgresql',
  version: '15',
  image: 'dbaas/postgresql:15',
  cpu: 1,
  memoryMiB: 512,
  storageGiB: { min: 1, max: 10, default: 2 },
  runtimeHints: { gce: { machineType: 'e2-small' } },
};
/** The same server on a larger machine type, for the flavor change. */
const largerFlavor = {
  ...flavor,
  id: 'postgresql-15-gce-larger',
  memoryMiB: 768,
  runtimeHints: { gce: { machineType: 'e2-medium' } },
};
const GiB = 1024 ** 3;
const asAlice = `Bearer ${mockCredentials.user.token('user:default/alice')}`;

/** The GCE module as module.ts makes it, with credentials for the local fake instead of Google's. */
const gceRuntimeOnTheFake = createBackendModule({
  pluginId: 'dbaas',
  moduleId: 'gce-runtime',
  register(reg) {
    reg.registerInit({
      deps: { runtimes: dbaasRuntimesExtensionPoint },
      async init({ runtimes }) {
        runtimes.addRuntime(gceRuntimeRegistration(fakeClientOptions));
      },
    });
  },
});

/** Whether this process (and so a stand-in VM) may resize a mounted file system. */
function hostHasSysResource() {
  const bounds = /^CapBnd:\s*([0-9a-f]+)$/m.exec(
    readFileSync('/proc/self/status', 'utf8'),
  )![1];
  return Boolean((BigInt(`0x${bounds}`) >> 24n) & 1n);
}

describe('GCE runtime on a stand-in VM', () => {
  const fake = new FakeCompute();
  const vmHost = standInVmHost();
  let server: TestManager['server'];

  const get = async (id: string) => {
    const res = await request(server)
      .get(`/api/dbaas/instances/${id}`)
      .set('Authorization', asAlice);
    return res.status === 404 ? undefined : (res.body as Instance);
  };
  const credentials = async (id: string) =>
    (
      await request(server)
        .get(`/api/dbaas/instances/${id}/credentials`)
        .set('Authorization', asAlice)
    ).body as Credentials;
  const operation = async (id: string, name: 'stop' | 'start') => {
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

  let releaseStandIns: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    await requireStandInParts('GCE stand-in test');
    releaseStandIns = await lockStandInVms();
    await removeStandInVms(GCE_STAND_IN_PREFIX);
    fake.vmHost = vmHost;
    fake.stagingGets = 0;
    const endpoint = await fake.start();
    const mirror = registryMirrorAddress();
    ({ server } = await startTestManager({
      features: [gceRuntimeOnTheFake],
      dbaas: {
        defaultRuntime: 'gce',
        flavors: [flavor, largerFlavor],
        provisioning: { timeoutSeconds: 840 },
        runtimes: {
          gce: {
            project: 'dbaas-test',
            zones: ['europe-west1-b'],
            apiEndpoint: endpoint,
            registryMirrors: [`http://${mirror}`],
            insecureRegistries: [mirror],
            startTimeoutSeconds: 780,
            pollIntervalSeconds: 1,
          },
        },
      },
    }));
  });

  afterAll(async () => {
    await removeStandInVms(GCE_STAND_IN_PREFIX);
    await fake.stop();
    await releaseStandIns?.();
  });

  it('boots a VM whose startup script mounts the data disk and installs Docker, deploys over SSH, keeps a row across a stop and start, a disk resize and a machine type change, and leaves nothing when deleted', async () => {
    const created = await request(server)
      .post('/api/dbaas/instances')
      .set('Authorization', asAlice)
      .send({
        name: 'orders-on-gce',
        owner: 'group:default/team-a',
        flavorId: flavor.id,
      });
    expect(created.status).toBe(202);
    expect(created.body.runtime).toBe('gce');
    const id = created.body.id as string;
    const instance = await until(
      'the instance to be provisioned',
      () => get(id),
      i => i?.status !== 'provisioning',
      { timeoutMs: 850_000, intervalMs: 1000 },
    );
    const vmName = `dbaas-${id}`;
    const vm = vmHost.vms.get(vmName)!;
    if (instance?.status !== 'running') {
      // what the startup script did, for whoever reads the failure
      process.stderr.write(
        await (vm?.cloudInitOutput() ?? Promise.resolve('no VM')).catch(
          e => `no cloud-init output: ${e}`,
        ),
      );
    }
    expect(instance).toMatchObject({
      status: 'running',
      health: 'healthy',
      host: vm.address,
    });
    expect(fake.instances.get(`europe-west1-b/${vmName}`)).toMatchObject({
      machineType: expect.stringMatching(/\/machineTypes\/e2-small$/),
    });

    const creds = await credentials(id);
    expect(creds).toMatchObject({ host: vm.address, port: 5432 });
    const client = await connectedWith(creds);
    await client.query('CREATE TABLE kept (v TEXT)');
    await client.query("INSERT INTO kept VALUES ('on a GCE VM')");
    await client.end();

    // inside the VM: Docker's data on the data disk found by its google- device id, its API
    // on no TCP port, the image through the registry mirror, the Manager's user in docker
    const container = vm.name;
    expect(onStandInVm(container, 'findmnt -no SOURCE /var/lib/docker')).toBe(
      '/dev/xvdf',
    );
    expect(onStandInVm(container, 'blkid -o export /dev/xvdf')).toContain(
      'LABEL=dbaas-data',
    );
    expect(onStandInVm(container, 'ss -ltnH')).not.toMatch(/:237[56]\b/);
    expect(onStandInVm(container, 'id -nG dbaas')).toContain('docker');
    expect(
      onStandInVm(container, "docker ps --format '{{.Image}} {{.Names}}'"),
    ).toBe(`dbaas/postgresql:15 dbaas-${id}`);

    // stop: the server, then the VM (instances.stop); start: the VM, Docker over SSH with
    // the pinned host key, the server, and the row written before
    expect(await operation(id, 'stop')).toMatchObject({ status: 'stopped' });
    expect(fake.instances.get(`europe-west1-b/${vmName}`)!.status).toBe(
      'TERMINATED',
    );
    expect(await vm.running()).toBe(false);
    expect(await operation(id, 'start')).toMatchObject({
      status: 'running',
      health: 'healthy',
    });
    expect(await vm.running()).toBe(true);
    const restarted = await connectedWith(await credentials(id));
    const { rows } = await restarted.query('SELECT v FROM kept');
    await restarted.end();
    expect(rows).toEqual([{ v: 'on a GCE VM' }]);

    // storage: disks.resize (the stand-in grows the loop device behind the VM's disk), then
    // resize2fs over SSH, as the Manager's resize-storage operation asks the host provider.
    // resize2fs grows a mounted ext4 only with CAP_SYS_RESOURCE, which the stand-in VM has only
    // when the Docker host has it: without it the file system stays and the fault says why.
    const host = createGceRuntime(
      readGceRuntimeConfig(
        new ConfigReader({
          project: 'dbaas-test',
          zones: ['europe-west1-b'],
          apiEndpoint: fake.endpoint,
          pollIntervalSeconds: 1,
        }),
      ),
      {
        secretBox: new SecretBox(TEST_ENCRYPTION_KEY),
        logger: mockServices.logger.mock(),
        clientOptions: fakeClientOptions,
      },
    ).host;
    const ref = (await host.find(id))!;
    const stepCtx = {
      logger: mockServices.logger.mock(),
      signal: new AbortController().signal,
    };
    const diskBytes = () =>
      Number(onStandInVm(container, 'blockdev --getsize64 /dev/xvdf'));
    const fileSystemBytes = () =>
      Number(
        onStandInVm(
          container,
          'df -B1 --output=size /var/lib/docker | tail -n 1',
        ),
      );
    const before = fileSystemBytes();
    expect(diskBytes()).toBe(2 * GiB);
    const resized = await host.resizeStorage!(ref, 3, stepCtx).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(diskBytes()).toBe(3 * GiB);
    expect(fake.disks.get(`europe-west1-b/${vmName}-data`)).toMatchObject({
      sizeGb: '3',
    });
    const resize2fsDenied = expect.stringMatching(
      /resize2fs: Permission denied to resize filesystem$/,
    );
    expect({
      fault: resized && `${resized.name} ${(resized as any).code}`,
      message: resized?.message,
      grown: fileSystemBytes() > before,
    }).toEqual(
      hostHasSysResource()
        ? { fault: undefined, message: undefined, grown: true }
        : {
            fault: 'RuntimeFault HOST_UNAVAILABLE',
            message: resize2fsDenied,
            grown: false,
          },
    );

    // flavor change: the server and the VM stopped, the VM made an e2-medium
    // (instances.setMachineType) and started, the server made again with the new memory
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
    });
    expect(fake.instances.get(`europe-west1-b/${vmName}`)).toMatchObject({
      machineType: 'zones/europe-west1-b/machineTypes/e2-medium',
    });
    expect(
      onStandInVm(
        container,
        `docker inspect --format '{{.HostConfig.Memory}}' dbaas-${id}`,
      ),
    ).toBe(String(768 * 1024 * 1024));
    const changedClient = await connectedWith(await credentials(id));
    const { rows: keptAfterChange } = await changedClient.query(
      'SELECT v FROM kept',
    );
    await changedClient.end();
    expect(keptAfterChange).toEqual([{ v: 'on a GCE VM' }]);

    const deleted = await request(server)
      .delete(`/api/dbaas/instances/${id}?skipFinalBackup=true`)
      .set('Authorization', asAlice);
    expect(deleted.status).toBe(202);
    await until(
      'the instance to be deleted',
      () => get(id),
      i => !i,
      {
        timeoutMs: 300_000,
        intervalMs: 1000,
      },
    );
    // the VM and its data disk, and nothing else
    expect(fake.instances.size).toBe(0);
    expect(fake.disks.size).toBe(0);
    const left = await docker.listContainers({
      all: true,
      filters: { label: [STAND_IN_LABEL] },
    });
    expect(left.filter(c => c.Names[0] === `/${container}`)).toEqual([]);
    expect(execFileSync('losetup', ['-a']).toString()).not.toContain(container);
  });
});
