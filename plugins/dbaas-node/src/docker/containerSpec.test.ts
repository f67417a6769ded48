import Docker from 'dockerode';
import { EngineSecrets, EngineSpec, HostRef } from '../runtime';
import { containerSpec, publishedEndpoint, secretFiles } from './containerSpec';

const host: HostRef = {
  runtime: 'docker',
  instanceId: 'abc',
  address: 'db.example.test',
  data: { volume: 'dbaas-abc-data' },
};

const spec: EngineSpec = {
  instanceId: 'abc',
  flavor: {
    id: 'postgresql-17-small',
    engine: 'postgresql',
    version: '17',
    image: 'dbaas/postgresql:17',
    cpu: 0.5,
    memoryMiB: 256,
    storageGiB: { min: 1, max: 5, default: 1 },
  },
  storageGiB: 1,
  database: 'orders',
  username: 'orders_app',
};

const secrets: EngineSecrets = {
  password: 'app-secret',
  adminPassword: 'admin-secret',
};

const tls = {
  certificatePem: 'cert-pem',
  privateKeyPem: 'key-pem',
  caPem: 'ca-pem',
  names: ['db.example.test'],
  notAfter: '2030-01-01T00:00:00Z',
};

describe('containerSpec', () => {
  it("runs the flavor's image with its data on the host's volume, its WAL spool on a second, limits, labels and a free port", () => {
    expect(containerSpec(host, spec, secrets, '127.0.0.1')).toEqual({
      name: 'dbaas-abc',
      Image: 'dbaas/postgresql:17',
      Env: [
        'DBAAS_DATABASE=orders',
        'DBAAS_USER=orders_app',
        'DBAAS_PASSWORD_FILE=/run/dbaas/password',
        'DBAAS_ADMIN_PASSWORD_FILE=/run/dbaas/admin-password',
        'DBAAS_MEMORY_MIB=256',
        'DBAAS_WAL_SPOOL=/var/lib/dbaas/wal-spool',
      ],
      Labels: {
        'app.kubernetes.io/managed-by': 'backstage-dbaas',
        'dbaas.backstage.io/instance-id': 'abc',
        'dbaas.backstage.io/flavor': 'postgresql-17-small',
        'dbaas.backstage.io/memory-mib': '256',
      },
      ExposedPorts: { '5432/tcp': {} },
      HostConfig: {
        Mounts: [
          {
            Type: 'volume',
            Source: 'dbaas-abc-data',
            Target: '/var/lib/postgresql/data',
          },
          {
            Type: 'volume',
            Source: 'dbaas-abc-wal',
            Target: '/var/lib/dbaas/wal-spool',
          },
        ],
        PortBindings: { '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
        Memory: 256 * 1024 * 1024,
        NanoCpus: 500_000_000,
        RestartPolicy: { Name: 'unless-stopped' },
      },
    });
  });

  it("publishes the engine's own port on every interface for a VM, and names the TLS files", () => {
    const vm = { ...host, data: { ...host.data, publishStandardPort: true } };
    const mariadb = {
      ...spec,
      flavor: {
        ...spec.flavor,
        engine: 'mariadb' as const,
        tls: { require: true },
      },
    };
    const created = containerSpec(vm, mariadb, { ...secrets, tls }, undefined);
    expect(created.ExposedPorts).toEqual({ '3306/tcp': {} });
    expect(created.HostConfig!.PortBindings).toEqual({
      '3306/tcp': [{ HostIp: '', HostPort: '3306' }],
    });
    expect(created.HostConfig!.Mounts![0].Target).toBe('/var/lib/mysql');
    // MariaDB archives no log into a spool
    expect(created.HostConfig!.Mounts).toHaveLength(1);
    expect(created.Env).toEqual(
      expect.arrayContaining([
        'DBAAS_TLS_CERT_FILE=/run/dbaas/tls.crt',
        'DBAAS_TLS_KEY_FILE=/run/dbaas/tls.key',
        'DBAAS_TLS_CA_FILE=/run/dbaas/ca.crt',
        'DBAAS_TLS_REQUIRE=true',
      ]),
    );
  });

  it('puts no secret in the environment or the labels', () => {
    const created = JSON.stringify(
      containerSpec(host, spec, { ...secrets, tls }, undefined),
    );
    for (const secret of [
      'app-secret',
      'admin-secret',
      'key-pem',
      'cert-pem',
    ]) {
      expect(created).not.toContain(secret);
    }
  });
});

describe('secretFiles', () => {
  it("writes the passwords and TLS files readable only by the image's user", () => {
    expect(secretFiles({ ...secrets, tls })).toEqual(
      [
        ['password', 'app-secret'],
        ['admin-password', 'admin-secret'],
        ['tls.crt', 'cert-pem'],
        ['tls.key', 'key-pem'],
        ['ca.crt', 'ca-pem'],
      ].map(([name, content]) => ({
        name,
        content,
        mode: 0o400,
        uid: 999,
        gid: 999,
      })),
    );
    expect(secretFiles(secrets).map(f => f.name)).toEqual([
      'password',
      'admin-password',
    ]);
  });
});

describe('publishedEndpoint', () => {
  const inspected = (ports: object) =>
    ({ NetworkSettings: { Ports: ports } } as Docker.ContainerInspectInfo);

  it("is the application database on the host port the engine's port is published on", () => {
    expect(
      publishedEndpoint(
        host,
        spec,
        inspected({ '5432/tcp': [{ HostIp: '0.0.0.0', HostPort: '49153' }] }),
      ),
    ).toEqual({
      host: 'db.example.test',
      port: 49153,
      database: 'orders',
      user: 'orders_app',
    });
    expect(publishedEndpoint(host, spec, inspected({}))).toBeUndefined();
  });
});
