import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { EngineSpec, HostSpec, StepContext } from '@dbaas/plugin-dbaas-node';
import { postgresFlavor } from '@dbaas/plugin-dbaas-node/testUtils';
import { readKubernetesRuntimeConfig } from './config';
import { createKubernetesRuntime, namespaceFor } from './KubernetesRuntime';
import { KubeApiStub, podIn } from './__testUtils__/KubeApiStub';

jest.setTimeout(30_000);

const instanceId = '5f0c2a4e-8d7b-4a53-9a51-2f8e0c7d1b23';
const hostSpec: HostSpec = {
  instanceId,
  instanceName: 'orders-db',
  owner: 'group:default/team-a',
  flavor: postgresFlavor,
  storageGiB: 2,
};
const engineSpec: EngineSpec = {
  instanceId,
  flavor: postgresFlavor,
  storageGiB: 2,
  database: 'orders_db',
  username: 'orders_db_app',
};
const secrets = {
  password: 'app-password-0123456789abcdef',
  adminPassword: 'admin-password-0123456789',
};
const ctx = (): StepContext => ({
  logger: mockServices.logger.mock(),
  signal: new AbortController().signal,
});

describe('Kubernetes runtime against a local API stub', () => {
  let stub: KubeApiStub;
  let url: string;

  beforeEach(async () => {
    stub = new KubeApiStub();
    url = await stub.start();
    stub.objects.set('storageclasses//standard', {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'standard' },
    });
  });
  afterEach(() => stub.stop());

  function runtime(extra: Record<string, unknown> = {}) {
    return createKubernetesRuntime(
      readKubernetesRuntimeConfig(
        new ConfigReader({
          // the stub speaks plain HTTP, which client-node allows only without TLS verification
          cluster: { url, token: 'test-token', skipTLSVerify: true },
          createNamespaces: true,
          storageClassName: 'standard',
          startTimeoutSeconds: 10,
          ...extra,
        }),
      ),
    );
  }

  /** The pod becomes ready on the third look, as a real one would after a while. */
  function podBecomesReady() {
    let looks = 0;
    stub.pod = (ns, name) =>
      podIn(++looks < 3 ? 'creating' : 'ready', ns, name);
  }

  /** A fresh runtime, and the host (namespace, claim) it provisioned. */
  async function provisioned() {
    const k8s = runtime();
    return { k8s, host: await k8s.host.provision(hostSpec, ctx()) };
  }

  /** A deploy on a freshly provisioned host (to expect it to fail). */
  async function deployOnNewHost() {
    const { k8s, host } = await provisioned();
    return k8s.engine.deploy(host, engineSpec, secrets, ctx());
  }

  /** The database provisioned and deployed, its pod ready on the third look. */
  async function deployed() {
    podBecomesReady();
    const { k8s, host } = await provisioned();
    const endpoint = await k8s.engine.deploy(host, engineSpec, secrets, ctx());
    return { k8s, host, endpoint };
  }

  it('creates namespace, claim, secret, service and stateful set, and reports where to connect', async () => {
    const { k8s, host, endpoint } = await deployed();

    expect(endpoint).toEqual({
      host: 'dbaas-orders-db.dbaas-team-a.svc',
      port: 5432,
      database: 'orders_db',
      user: 'orders_db_app',
    });
    expect([...stub.objects.keys()].sort()).toEqual([
      'namespaces//dbaas-team-a',
      'persistentvolumeclaims/dbaas-team-a/dbaas-orders-db-data',
      'persistentvolumeclaims/dbaas-team-a/dbaas-orders-db-wal',
      'secrets/dbaas-team-a/dbaas-orders-db',
      'services/dbaas-team-a/dbaas-orders-db',
      'statefulsets/dbaas-team-a/dbaas-orders-db',
      'storageclasses//standard',
    ]);
    for (const key of stub.objects.keys()) {
      if (key.startsWith('namespaces/') || key.startsWith('storageclasses/'))
        continue;
      expect(stub.objects.get(key)!.metadata.labels).toMatchObject({
        'app.kubernetes.io/managed-by': 'backstage-dbaas',
        'dbaas.backstage.io/instance-id': instanceId,
        'dbaas.backstage.io/owner': 'group.default.team-a',
      });
    }
    const pvc = stub.objects.get(
      'persistentvolumeclaims/dbaas-team-a/dbaas-orders-db-data',
    )!;
    expect(pvc.spec).toMatchObject({
      storageClassName: 'standard',
      resources: { requests: { storage: '2Gi' } },
    });
    // PostgreSQL's WAL spool: its own claim, mounted by the StatefulSet, recorded on the host
    expect(
      stub.objects.get(
        'persistentvolumeclaims/dbaas-team-a/dbaas-orders-db-wal',
      )!.spec,
    ).toMatchObject({
      storageClassName: 'standard',
      resources: { requests: { storage: '1Gi' } },
    });
    expect(host.data.walSpool).toBe(true);
    expect(
      stub.objects.get('statefulsets/dbaas-team-a/dbaas-orders-db')!.spec
        .template.spec.volumes,
    ).toContainEqual({
      name: 'wal',
      persistentVolumeClaim: { claimName: 'dbaas-orders-db-wal' },
    });
    // every write was a server-side apply by our field manager
    expect(
      stub.calls.filter(c => c.startsWith('POST') || c.startsWith('PUT')),
    ).toEqual([]);
    expect(await k8s.engine.health(host, engineSpec, secrets)).toEqual({
      state: 'healthy',
    });
    expect(await k8s.engine.logs!(host, engineSpec, 10)).toContain(
      'ready to accept connections',
    );
  });

  it('changes nothing and makes nothing twice when a crashed step runs again', async () => {
    const { k8s, host } = await deployed();
    const before = JSON.stringify([...stub.objects.entries()]);

    const again = await runtime().host.provision(hostSpec, ctx());
    await runtime().engine.deploy(again, engineSpec, secrets, ctx());

    expect(again).toEqual(host);
    expect(JSON.stringify([...stub.objects.entries()])).toEqual(before);
    expect(await k8s.host.find(instanceId)).toEqual(host);
  });

  it('finds an instance from before backups (no WAL spool claim) as one without a spool, and leaves its StatefulSet without one', async () => {
    const { k8s, host } = await deployed();
    stub.objects.delete(
      'persistentvolumeclaims/dbaas-team-a/dbaas-orders-db-wal',
    );
    const found = (await k8s.host.find(instanceId))!;
    expect(found.data).not.toHaveProperty('walSpool');
    expect({ ...found.data, walSpool: true }).toEqual(host.data);

    await k8s.engine.deploy(found, engineSpec, secrets, ctx());
    const set = JSON.stringify(
      stub.objects.get('statefulsets/dbaas-team-a/dbaas-orders-db'),
    );
    expect(set).not.toContain('wal');
    await expect(
      k8s.engine.backups!.baseBackup(found, engineSpec, secrets, ctx()),
    ).rejects.toMatchObject({
      code: 'ENGINE_UNAVAILABLE',
      message:
        'the StatefulSet dbaas-orders-db was made without a WAL spool claim (before backups on Kubernetes): a base backup needs its WAL archived',
    });
  });

  it.each([
    [
      'crashloop',
      'unhealthy',
      'CrashLoopBackOff: back-off 40s restarting failed container',
    ],
    [
      'imagepull',
      'unhealthy',
      'ImagePullBackOff: Back-off pulling image "dbaas/postgresql:15"',
    ],
    [
      'unschedulable',
      'unhealthy',
      'Pending: Unschedulable: 0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims',
    ],
    ['creating', 'starting', 'Pending'],
    ['ready', 'healthy', undefined],
  ] as const)('reports a %s pod as %s', async (state, expected, message) => {
    stub.pod = (ns, name) => podIn(state, ns, name);
    const { k8s, host } = await provisioned();

    const health = await k8s.engine.health(host, engineSpec, secrets);

    expect(health.state).toBe(expected);
    expect(health.message).toBe(message);
  });

  it('fails a deploy whose image cannot be pulled with IMAGE_PULL', async () => {
    stub.pod = (ns, name) => podIn('imagepull', ns, name);

    await expect(deployOnNewHost()).rejects.toMatchObject({
      code: 'IMAGE_PULL',
    });
  });

  it('turns 403s into typed faults an operator can act on', async () => {
    stub.forbidden.set(
      'PATCH /apis/apps/v1/namespaces/dbaas-team-a/statefulsets',
      'statefulsets.apps is forbidden: User "system:serviceaccount:backstage-system:backstage" cannot patch resource "statefulsets"',
    );
    await expect(deployOnNewHost()).rejects.toMatchObject({
      code: 'HOST_PERMISSION',
      message: expect.stringMatching(
        /^Kubernetes refused to apply StatefulSet dbaas-orders-db \(403\): statefulsets.apps is forbidden.*deploy\/kubernetes\/rbac.yaml$/,
      ),
    });

    stub.forbidden.set(
      'QUOTA persistentvolumeclaims',
      'persistentvolumeclaims "dbaas-orders-db-data" is forbidden: exceeded quota: storage, requested: requests.storage=2Gi, used: requests.storage=10Gi, limited: requests.storage=10Gi',
    );
    await expect(
      runtime().host.provision(
        { ...hostSpec, instanceName: 'other-db' },
        ctx(),
      ),
    ).rejects.toMatchObject({
      code: 'HOST_CAPACITY',
    });
  });

  it('names a storage class that does not exist, and the setting to change', async () => {
    await expect(
      runtime({ storageClassName: 'fast-ssd' }).host.provision(hostSpec, ctx()),
    ).rejects.toMatchObject({
      code: 'HOST_UNAVAILABLE',
      message:
        "StorageClass 'fast-ssd' does not exist on Kubernetes cluster default: set dbaas.runtimes.kubernetes.storageClassName to one that does",
    });
    expect(
      [...stub.objects.keys()].filter(k =>
        k.startsWith('persistentvolumeclaims/'),
      ),
    ).toEqual([]);
  });

  describe('storage resize', () => {
    const claimKey = 'persistentvolumeclaims/dbaas-team-a/dbaas-orders-db-data';
    const patches = () =>
      stub.calls.filter(
        c =>
          c ===
          'PATCH /api/v1/namespaces/dbaas-team-a/persistentvolumeclaims/dbaas-orders-db-data',
      );

    it('grows the claim when its storage class allows expansion, and only once', async () => {
      const { k8s, host } = await deployed();
      stub.objects.get('storageclasses//standard')!.allowVolumeExpansion = true;
      const applies = patches().length;

      await k8s.host.resizeStorage!(host, 5, ctx());
      const pvc = stub.objects.get(claimKey)!;
      expect(pvc.spec).toMatchObject({
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'standard',
        resources: { requests: { storage: '5Gi' } },
      });
      expect(pvc.metadata.labels).toMatchObject({
        'dbaas.backstage.io/instance-id': instanceId,
      });
      expect(patches()).toHaveLength(applies + 1);
      expect(stub.calls).toContain(
        'GET /apis/storage.k8s.io/v1/storageclasses/standard',
      );

      // the same size again, or a smaller one: nothing is asked of the cluster
      const calls = stub.calls.length;
      await k8s.host.resizeStorage!(host, 5, ctx());
      await k8s.host.resizeStorage!(host, 3, ctx());
      expect(
        stub.calls.slice(calls).filter(c => !c.startsWith('GET ')),
      ).toEqual([]);
      expect(stub.objects.get(claimKey)!.spec.resources.requests.storage).toBe(
        '5Gi',
      );

      // a request written in other units counts by its bytes
      stub.objects.get(claimKey)!.spec.resources.requests.storage = '6144Mi';
      await k8s.host.resizeStorage!(host, 6, ctx());
      expect(stub.objects.get(claimKey)!.spec.resources.requests.storage).toBe(
        '6144Mi',
      );
      await k8s.host.resizeStorage!(host, 7, ctx());
      expect(stub.objects.get(claimKey)!.spec.resources.requests.storage).toBe(
        '7Gi',
      );
    });

    it('refuses with a typed fault naming a storage class that does not allow expansion, changing nothing', async () => {
      const { k8s, host } = await deployed();
      const applies = patches().length;

      await expect(
        k8s.host.resizeStorage!(host, 5, ctx()),
      ).rejects.toMatchObject({
        name: 'RuntimeFault',
        code: 'HOST_UNAVAILABLE',
        message: expect.stringContaining(
          "StorageClass 'standard' on Kubernetes cluster default does not allow expansion",
        ),
      });
      stub.objects.get('storageclasses//standard')!.allowVolumeExpansion =
        false;
      await expect(k8s.host.resizeStorage!(host, 5, ctx())).rejects.toThrow(
        /StorageClass 'standard' .*does not allow expansion/,
      );
      expect(stub.objects.get(claimKey)!.spec.resources.requests.storage).toBe(
        '2Gi',
      );
      expect(patches()).toHaveLength(applies);
    });

    it('turns a refused patch into HOST_PERMISSION naming the RBAC to grant', async () => {
      const { k8s, host } = await deployed();
      stub.objects.get('storageclasses//standard')!.allowVolumeExpansion = true;
      stub.forbidden.set(
        'PATCH /api/v1/namespaces/dbaas-team-a/persistentvolumeclaims',
        'persistentvolumeclaims "dbaas-orders-db-data" is forbidden: User "system:serviceaccount:backstage-system:backstage" cannot patch resource "persistentvolumeclaims"',
      );
      await expect(
        k8s.host.resizeStorage!(host, 5, ctx()),
      ).rejects.toMatchObject({
        code: 'HOST_PERMISSION',
        message: expect.stringMatching(
          /^Kubernetes refused to patch PersistentVolumeClaim dbaas-orders-db-data \(403\)/,
        ),
      });
    });
  });

  describe('flavor change and upgrade (replace)', () => {
    const setKey = 'statefulsets/dbaas-team-a/dbaas-orders-db';
    const larger = {
      ...postgresFlavor,
      id: 'postgresql-17-large',
      cpu: 2,
      memoryMiB: 1024,
      image: 'dbaas/postgresql:17-20261129',
    };
    const largerSpec = { ...engineSpec, flavor: larger };
    const container = () =>
      stub.objects.get(setKey)!.spec.template.spec.containers[0];
    /** A ready pod of the StatefulSet's revision before the change. */
    const oldPod = (revision: string, ns: string, name: string) => {
      const pod = podIn('ready', ns, name);
      return {
        ...pod,
        metadata: {
          ...pod.metadata,
          labels: { 'controller-revision-hash': revision },
        },
      };
    };

    it("applies the new flavor's resources, image and labels, and waits for the pod of the new template", async () => {
      const { k8s, host, endpoint } = await deployed();
      const before = stub.objects.get(setKey)!;
      const oldRevision = before.status.updateRevision;
      // the old pod answers twice more, then the controller replaces it
      const seen: string[] = [];
      stub.pod = (ns, name) => {
        const pod =
          seen.length < 2
            ? oldPod(oldRevision, ns, name)
            : podIn(seen.length < 3 ? 'creating' : 'ready', ns, name);
        seen.push(pod.status.phase);
        return pod;
      };

      await expect(
        k8s.engine.replace!(host, largerSpec, secrets, ctx()),
      ).resolves.toEqual(endpoint);

      expect(seen).toEqual(['Running', 'Running', 'Pending', 'Running']);
      const set = stub.objects.get(setKey)!;
      expect(set.metadata.generation).toBe(before.metadata.generation + 1);
      expect(set.status.updateRevision).not.toBe(oldRevision);
      expect(container()).toMatchObject({
        image: 'dbaas/postgresql:17-20261129',
        resources: {
          requests: { cpu: '2', memory: '1024Mi' },
          limits: { cpu: '2', memory: '1024Mi' },
        },
        env: expect.arrayContaining([
          { name: 'DBAAS_MEMORY_MIB', value: '1024' },
        ]),
      });
      // the same claim, the same selector
      expect(set.spec.selector).toEqual(before.spec.selector);
      expect(set.spec.template.spec.volumes).toEqual(
        before.spec.template.spec.volumes,
      );
      for (const key of [
        setKey,
        'secrets/dbaas-team-a/dbaas-orders-db',
        'services/dbaas-team-a/dbaas-orders-db',
      ]) {
        expect(stub.objects.get(key)!.metadata.labels).toMatchObject({
          'dbaas.backstage.io/flavor': 'postgresql-17-large',
        });
      }
      expect(set.spec.template.metadata.labels).toMatchObject({
        'dbaas.backstage.io/flavor': 'postgresql-17-large',
      });
      expect(
        stub.calls.filter(c => c.startsWith('POST') || c.startsWith('PUT')),
      ).toEqual([]);

      // again (a worker resuming it): nothing changes, and the ready pod is enough
      const after = JSON.stringify([...stub.objects.entries()]);
      stub.pod = (ns, name) => podIn('ready', ns, name);
      await expect(
        runtime().engine.replace!(host, largerSpec, secrets, ctx()),
      ).resolves.toEqual(endpoint);
      expect(JSON.stringify([...stub.objects.entries()])).toEqual(after);
    });

    it('names the pod to delete when the pod of the old template is broken, which a StatefulSet does not replace', async () => {
      const { k8s, host } = await deployed();
      const oldRevision = stub.objects.get(setKey)!.status.updateRevision;
      stub.pod = (ns, name) => {
        const pod = podIn('crashloop', ns, name);
        return {
          ...pod,
          metadata: {
            ...pod.metadata,
            labels: { 'controller-revision-hash': oldRevision },
          },
        };
      };

      await expect(
        k8s.engine.replace!(host, largerSpec, secrets, ctx()),
      ).rejects.toMatchObject({
        name: 'RuntimeFault',
        code: 'ENGINE_START_FAILED',
        message:
          'Pod dbaas-orders-db-0 of the previous template is CrashLoopBackOff: back-off 40s restarting failed container: the StatefulSet replaces it only once it is ready; delete the pod to have it made from the new one',
      });
      expect(container().image).toBe('dbaas/postgresql:17-20261129');
    });

    it('times out naming the revision when the old pod is never replaced', async () => {
      const { host } = await deployed();
      const oldRevision = stub.objects.get(setKey)!.status.updateRevision;
      stub.pod = (ns, name) => oldPod(oldRevision, ns, name);

      await expect(
        runtime({ startTimeoutSeconds: 1 }).engine.replace!(
          host,
          largerSpec,
          secrets,
          ctx(),
        ),
      ).rejects.toMatchObject({
        code: 'ENGINE_TIMEOUT',
        message: expect.stringMatching(
          /^The pod was not ready within 1 s: it still runs the previous template \(revision dbaas-orders-db-[0-9a-f]{10}, not dbaas-orders-db-[0-9a-f]{10}\)$/,
        ),
      });
    });
  });

  it('refuses a missing namespace when it may not create one', async () => {
    await expect(
      runtime({ createNamespaces: false }).host.provision(hostSpec, ctx()),
    ).rejects.toMatchObject({
      code: 'HOST_UNAVAILABLE',
      message:
        'Namespace dbaas-team-a does not exist, and dbaas.runtimes.kubernetes.createNamespaces is off: create it, or turn that on',
    });
  });

  it('deletes every object, the claim too unless the reclaim policy retains it', async () => {
    const { k8s, host } = await deployed();

    await runtime({ reclaimPolicy: 'retain' }).engine.remove(
      host,
      engineSpec,
      ctx(),
    );
    await runtime({ reclaimPolicy: 'retain' }).host.destroy(host, ctx());
    expect([...stub.objects.keys()].sort()).toEqual([
      'namespaces//dbaas-team-a',
      'persistentvolumeclaims/dbaas-team-a/dbaas-orders-db-data',
      'persistentvolumeclaims/dbaas-team-a/dbaas-orders-db-wal',
      'storageclasses//standard',
    ]);

    await k8s.engine.remove(host, engineSpec, ctx());
    await k8s.host.destroy(host, ctx());
    await k8s.host.destroy(host, ctx()); // gone is success
    expect([...stub.objects.keys()].sort()).toEqual([
      'namespaces//dbaas-team-a',
      'storageclasses//standard',
    ]);
  });

  it('places a flavor on the cluster its runtime hints name, and finds it there again', async () => {
    const second = new KubeApiStub();
    const secondUrl = await second.start();
    try {
      second.pod = (ns, name) => podIn('ready', ns, name);
      const k8s = createKubernetesRuntime(
        readKubernetesRuntimeConfig(
          new ConfigReader({
            clusters: [
              { name: 'east', url, token: 't', skipTLSVerify: true },
              { name: 'west', url: secondUrl, token: 't', skipTLSVerify: true },
            ],
            createNamespaces: true,
          }),
        ),
      );
      const westFlavor = {
        ...postgresFlavor,
        runtimeHints: { kubernetes: { cluster: 'west' } },
      };

      const host = await k8s.host.provision(
        { ...hostSpec, flavor: westFlavor },
        ctx(),
      );
      await k8s.engine.deploy(
        host,
        { ...engineSpec, flavor: westFlavor },
        secrets,
        ctx(),
      );

      expect(host.data.cluster).toBe('west');
      // nothing on the first cluster but the storage class the test put there
      expect([...stub.objects.keys()]).toEqual(['storageclasses//standard']);
      expect(
        second.objects.has('statefulsets/dbaas-team-a/dbaas-orders-db'),
      ).toBe(true);
      expect(await k8s.host.find(instanceId)).toEqual(host);

      const nowhere = {
        ...postgresFlavor,
        runtimeHints: { kubernetes: { cluster: 'north' } },
      };
      await expect(
        k8s.host.provision({ ...hostSpec, flavor: nowhere }, ctx()),
      ).rejects.toMatchObject({
        code: 'HOST_UNAVAILABLE',
        message:
          "Kubernetes cluster 'north' is not configured; configured: east, west",
      });
    } finally {
      await second.stop();
    }
  });

  it('derives namespaces from the owner', () => {
    expect(namespaceFor('dbaas-{owner}', 'group:default/Team_A')).toBe(
      'dbaas-team-a',
    );
    expect(namespaceFor('{namespace}-db', 'user:platform/alice')).toBe(
      'platform-db',
    );
  });
});
