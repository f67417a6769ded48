import { Flavor, flavorSchema } from '@dbaas/plugin-dbaas-common';
import Docker from 'dockerode';
import fs from 'fs';
import {
  Namespace,
  PersistentVolumeClaim,
  Secret,
  Service,
} from 'kubernetes-models/v1';
import { StatefulSet } from 'kubernetes-models/apps/v1';
import path from 'path';
import yaml from 'yaml';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import {
  createCertificateAuthority,
  engineAnswers,
  EngineTls,
  issueServerCertificate,
  tarFiles,
} from '@dbaas/plugin-dbaas-node';
import {
  KubernetesInstance,
  namespaceObject,
  persistentVolumeClaim,
  secret,
  serviceDnsNames,
  service,
  statefulSet,
  walSpoolClaim,
} from './manifests';

jest.setTimeout(180_000);

/** Every flavor the repository's app-configs offer. */
function configuredFlavors(): Flavor[] {
  const root = path.resolve(
    resolvePackagePath('@dbaas/plugin-dbaas-backend-module-kubernetes'),
    '../..',
  );
  return ['app-config.yaml', 'app-config.docker.yaml'].flatMap(file =>
    (
      yaml.parse(fs.readFileSync(path.join(root, file), 'utf8')).dbaas
        .flavors as unknown[]
    ).map(f => flavorSchema.parse(f)),
  );
}

function instanceFor(flavor: Flavor): KubernetesInstance {
  return {
    instanceId: '5f0c2a4e-8d7b-4a53-9a51-2f8e0c7d1b23',
    instanceName: 'orders-db',
    owner: 'group:default/team-a',
    flavor,
    storageGiB: flavor.storageGiB.default,
    namespace: 'dbaas-team-a',
    storageClassName: 'standard',
    serviceType: 'ClusterIP',
    database: 'orders_db',
    username: 'orders_db_app',
  };
}

const secrets = {
  password: 'app-password-0123456789abcdef',
  adminPassword: 'admin-password-0123456789',
};

let tls: EngineTls;
beforeAll(async () => {
  // for the Service's names, and the address the pod's port is published on here
  tls = await issueServerCertificate(await createCertificateAuthority(), [
    ...serviceDnsNames(instanceFor(configuredFlavors()[0])),
    '127.0.0.1',
  ]);
});

describe('Kubernetes manifests', () => {
  it.each(configuredFlavors().map(f => [f.id, f] as const))(
    'are valid Kubernetes objects for flavor %s',
    (_id, flavor) => {
      const i = instanceFor(flavor);
      expect(() =>
        new Namespace(namespaceObject(i) as any).validate(),
      ).not.toThrow();
      expect(() =>
        new PersistentVolumeClaim(persistentVolumeClaim(i) as any).validate(),
      ).not.toThrow();
      expect(() =>
        new Secret(secret(i, secrets) as any).validate(),
      ).not.toThrow();
      expect(() => new Service(service(i) as any).validate()).not.toThrow();
      expect(() =>
        new StatefulSet(statefulSet(i) as any).validate(),
      ).not.toThrow();
      const spooled = { ...i, walSpool: true };
      expect(() =>
        new PersistentVolumeClaim(walSpoolClaim(spooled) as any).validate(),
      ).not.toThrow();
      for (const options of [{}, { restoring: true }]) {
        expect(() =>
          new StatefulSet(statefulSet(spooled, options) as any).validate(),
        ).not.toThrow();
      }
    },
  );

  it('mounts the WAL spool claim of a PostgreSQL instance that has one, and waits for a restore without a liveness probe', () => {
    const postgres = configuredFlavors().find(f => f.engine === 'postgresql')!;
    const mariadb = configuredFlavors().find(f => f.engine === 'mariadb')!;
    const i = { ...instanceFor(postgres), walSpool: true };
    const pod = statefulSet(i).spec.template.spec;
    expect(pod.volumes).toContainEqual({
      name: 'wal',
      persistentVolumeClaim: { claimName: 'dbaas-orders-db-wal' },
    });
    expect(pod.containers[0].volumeMounts).toContainEqual({
      name: 'wal',
      mountPath: '/var/lib/dbaas/wal-spool',
    });
    expect(pod.containers[0].env).toContainEqual({
      name: 'DBAAS_WAL_SPOOL',
      value: '/var/lib/dbaas/wal-spool',
    });
    expect(pod.containers[0].env.map(e => e.name)).not.toContain(
      'DBAAS_RESTORE_WAIT',
    );
    expect(pod.containers[0].livenessProbe).toBeDefined();
    expect(walSpoolClaim(i).metadata).toMatchObject({
      name: 'dbaas-orders-db-wal',
      labels: { 'dbaas.backstage.io/instance-id': i.instanceId },
    });

    // an instance from before backups, and MariaDB: no spool, the template as it was
    for (const other of [
      instanceFor(postgres),
      { ...instanceFor(mariadb), walSpool: true },
    ]) {
      const plain = JSON.stringify(statefulSet(other));
      expect(plain).not.toContain('wal-spool');
      expect(plain).not.toContain('DBAAS_WAL_SPOOL');
    }

    const restoring = statefulSet(i, { restoring: true }).spec.template.spec;
    expect(restoring.containers[0].env).toContainEqual({
      name: 'DBAAS_RESTORE_WAIT',
      value: 'true',
    });
    expect(restoring.containers[0]).not.toHaveProperty('livenessProbe');
    expect(restoring.containers[0].readinessProbe).toBeDefined();
  });

  it('keeps every password and the TLS key in the Secret, and out of every other object', () => {
    const i = instanceFor(configuredFlavors()[0]);
    const others = JSON.stringify([
      namespaceObject(i),
      persistentVolumeClaim(i),
      service(i),
      statefulSet(i),
    ]);
    const keyLines = tls.privateKeyPem
      .split('\n')
      .filter(line => line.length > 12 && !line.startsWith('-----'));
    for (const value of [
      secrets.password,
      secrets.adminPassword,
      ...keyLines,
    ]) {
      expect(others).not.toContain(value);
    }
    expect(others).not.toContain('PRIVATE KEY');
    expect(JSON.stringify(secret(i, { ...secrets, tls }))).toContain(
      secrets.password,
    );
  });

  it('has a validator that refuses a broken object (so the checks above mean something)', () => {
    const broken = statefulSet(instanceFor(configuredFlavors()[0])) as any;
    broken.spec.replicas = 'one';
    expect(() => new StatefulSet(broken).validate()).toThrow(/replicas/);
  });

  it('names every secret key the issue asks for, and labels everything for re-adoption', () => {
    const i = instanceFor(configuredFlavors()[0]);
    expect(Object.keys(secret(i, secrets).stringData)).toEqual(
      expect.arrayContaining([
        'username',
        'password',
        'dbname',
        'host',
        'port',
        'uri',
        'jdbc-uri',
      ]),
    );
    expect(statefulSet(i).metadata.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'backstage-dbaas',
      'dbaas.backstage.io/instance-id': i.instanceId,
      'dbaas.backstage.io/owner': 'group.default.team-a',
    });
    expect(persistentVolumeClaim(i).spec.resources.requests.storage).toBe(
      `${i.storageGiB}Gi`,
    );
  });

  it.each([
    ['postgresql', 'postgresql-17-small', 'verify-full'],
    ['mariadb', 'mariadb-10-11-small', 'VERIFY_IDENTITY'],
  ])(
    'carries the %s TLS certificate in the Secret, mounts it where the image reads it, and asks clients to verify',
    (_engine, flavorId, mode) => {
      const flavor = configuredFlavors().find(f => f.id === flavorId)!;
      const i = instanceFor({ ...flavor, tls: { require: true } });
      const data = secret(i, { ...secrets, tls }).stringData as Record<
        string,
        string
      >;
      expect(data).toMatchObject({
        'tls.crt': tls.certificatePem,
        'tls.key': tls.privateKeyPem,
        'ca.crt': tls.caPem,
        host: 'dbaas-orders-db.dbaas-team-a.svc',
      });
      expect(data.uri).toMatch(new RegExp(`\\?ssl-?mode=${mode}$`));
      expect(() =>
        new Secret(secret(i, { ...secrets, tls }) as any).validate(),
      ).not.toThrow();

      const pod = statefulSet(i).spec.template.spec;
      const env = Object.fromEntries(
        pod.containers[0].env.map(e => [e.name, e.value]),
      );
      const mount = pod.containers[0].volumeMounts.find(
        m => m.name === 'secrets',
      )!;
      const files = pod.volumes
        .find(v => v.name === 'secrets')!
        .projected!.sources.flatMap(source =>
          source.secret.items.map(item => ({
            path: `${mount.mountPath}/${item.path}`,
            key: item.key,
            optional: source.secret.optional ?? false,
          })),
        );
      expect(files).toEqual(
        expect.arrayContaining([
          { path: env.DBAAS_TLS_CERT_FILE, key: 'tls.crt', optional: true },
          { path: env.DBAAS_TLS_KEY_FILE, key: 'tls.key', optional: true },
          { path: env.DBAAS_TLS_CA_FILE, key: 'ca.crt', optional: true },
          { path: env.DBAAS_PASSWORD_FILE, key: 'password', optional: false },
        ]),
      );
      expect(env.DBAAS_TLS_REQUIRE).toBe('true');
      expect(
        statefulSet(instanceFor(flavor)).spec.template.spec.containers[0].env,
      ).toContainEqual({ name: 'DBAAS_TLS_REQUIRE', value: 'false' });
    },
  );

  it.each([
    ['postgresql', 'dbaas/postgresql:15'],
    ['mariadb', 'dbaas/mariadb:10.11'],
  ])(
    "runs the %s pod's container on Docker as the StatefulSet specifies, and its probes pass",
    async (_engine, image) => {
      const docker = new Docker({ socketPath: '/var/run/docker.sock' });
      await docker.ping().catch(error => {
        throw new Error(
          `This test needs a Docker engine at /var/run/docker.sock (${error}); .ci/run starts one`,
        );
      });
      const flavor = configuredFlavors().find(f => f.image === image)!;
      const pod = statefulSet(instanceFor(flavor)).spec.template.spec;
      const c = pod.containers[0];
      const secretMount = c.volumeMounts.find(m => m.name === 'secrets')!;

      const container = await docker.createContainer({
        Image: c.image,
        User: `${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`,
        Env: c.env.map(e => `${e.name}=${e.value}`),
        ExposedPorts: { [`${c.ports[0].containerPort}/tcp`]: {} },
        HostConfig: {
          PortBindings: {
            [`${c.ports[0].containerPort}/tcp`]: [{ HostPort: '' }],
          },
          Memory: flavor.memoryMiB * 1024 * 1024,
          CapDrop: ['ALL'],
          SecurityOpt: ['no-new-privileges'],
        },
      });
      try {
        // the Secret volume: its items as files, mode 0400, owned by the pod's fsGroup
        const data = secret(instanceFor(flavor), { ...secrets, tls })
          .stringData as Record<string, string>;
        const volume = pod.volumes.find(v => v.name === secretMount.name)!;
        await container.putArchive(
          tarFiles(
            volume.projected!.sources.flatMap(source =>
              source.secret.items.map(item => ({
                name: item.path,
                content: data[item.key],
                mode: volume.projected!.defaultMode,
                uid: pod.securityContext.fsGroup,
                gid: pod.securityContext.fsGroup,
              })),
            ),
          ),
          { path: secretMount.mountPath },
        );
        await container.start();

        const run = async (command: string[]) => {
          const exec = await container.exec({
            Cmd: command,
            AttachStdout: true,
            AttachStderr: true,
          });
          await exec.start({ Detach: true });
          for (;;) {
            const state = await exec.inspect();
            if (!state.Running) return state.ExitCode;
            await new Promise(r => setTimeout(r, 100));
          }
        };
        let ready = 1;
        for (let i = 0; i < 120 && ready !== 0; i++) {
          ready = (await run(c.readinessProbe.exec.command)) ?? 1;
          if (ready !== 0) await new Promise(r => setTimeout(r, 500));
        }
        expect(ready).toBe(0);
        expect(await run(c.livenessProbe!.exec.command)).toBe(0);

        const info = await container.inspect();
        expect(info.Config.User).toBe('999:999');
        const port = Number(
          info.NetworkSettings.Ports[`${c.ports[0].containerPort}/tcp`][0]
            .HostPort,
        );
        const env = Object.fromEntries(c.env.map(e => [e.name, e.value]));
        expect(
          await engineAnswers(
            flavor.engine,
            {
              host: '127.0.0.1',
              port,
              database: env.DBAAS_DATABASE,
              user: env.DBAAS_USER,
            },
            secrets.password,
            5000,
            // verify-full with the CA: only a server serving the certificate answers
            tls,
          ),
        ).toBe(true);
      } finally {
        await container.remove({ force: true, v: true });
      }
    },
  );
});
