import { ConfigReader } from '@backstage/config';
import { postgresFlavor } from '../__testUtils__/fixtures';
import { readCatalogSettings } from '../catalog/settings';
import { readDbaasConfig } from './readDbaasConfig';

const postgres = postgresFlavor;

describe('readDbaasConfig', () => {
  it('reads the configured flavors', () => {
    const config = new ConfigReader({ dbaas: { flavors: [postgres] } });
    expect(readDbaasConfig(config).flavors).toEqual([postgres]);
  });

  it('has no flavors when none are configured', () => {
    expect(readDbaasConfig(new ConfigReader({})).flavors).toEqual([]);
  });

  it('names the key and the allowed values of a wrong engine', () => {
    const config = new ConfigReader({
      dbaas: {
        flavors: [postgres, { ...postgres, id: 'x', engine: 'oracle' }],
      },
    });
    expect(() => readDbaasConfig(config)).toThrow(
      "Invalid app-config at 'dbaas.flavors[1].engine': must be one of postgresql, mysql, mariadb",
    );
  });

  it('refuses storage bounds whose default lies outside min..max', () => {
    const config = new ConfigReader({
      dbaas: {
        flavors: [
          { ...postgres, storageGiB: { min: 5, max: 10, default: 20 } },
        ],
      },
    });
    expect(() => readDbaasConfig(config)).toThrow(
      "'dbaas.flavors[0].storageGiB': must satisfy min <= default <= max",
    );
  });

  it('refuses duplicate flavor ids', () => {
    const config = new ConfigReader({
      dbaas: { flavors: [postgres, postgres] },
    });
    expect(() => readDbaasConfig(config)).toThrow(
      "'dbaas.flavors[1].id': duplicate flavor id 'postgresql-17-small'",
    );
  });
});

describe('readDbaasConfig settings', () => {
  it('has sane defaults', () => {
    const config = readDbaasConfig(new ConfigReader({}));
    expect(config).toMatchObject({
      defaultRuntime: 'local',
      provisioningTimeoutMs: 600_000,
      quotas: { default: { maxInstances: 10, maxStorageGiB: 500 }, owners: {} },
      rateLimit: { creates: 10, windowMs: 60_000 },
    });
  });

  it('names the key of a wrong quota', () => {
    const config = new ConfigReader({
      dbaas: {
        quotas: {
          owners: { 'group:default/a': { maxInstances: -1, maxStorageGiB: 5 } },
        },
      },
    });
    expect(() => readDbaasConfig(config)).toThrow(
      "Invalid app-config at 'dbaas.quotas.owners.group:default/a.maxInstances'",
    );
  });

  it('refuses a default runtime that is not configured', () => {
    const config = new ConfigReader({ dbaas: { defaultRuntime: 'docker' } });
    expect(() => readDbaasConfig(config)).toThrow(
      "Invalid app-config at 'dbaas.defaultRuntime': runtime 'docker' is not configured under dbaas.runtimes",
    );
  });
});

describe('readDbaasConfig is strict', () => {
  const read = (dbaas: object) => () =>
    readDbaasConfig(new ConfigReader({ dbaas }));

  it('refuses an unknown key under dbaas, naming the allowed ones', () => {
    expect(read({ defaultRuntme: 'docker' })).toThrow(
      "Invalid app-config at 'dbaas.defaultRuntme': unknown key 'defaultRuntme'; allowed here: defaultRuntime, replicaId, provisioning, reconcile, quotas, rateLimit, encryption, serviceAccess, warmPool, flavors, runtimes, catalog, backups",
    );
  });

  it('refuses an unknown key deeper down', () => {
    expect(read({ provisioning: { timeoutSecs: 60 } })).toThrow(
      "Invalid app-config at 'dbaas.provisioning.timeoutSecs': unknown key 'timeoutSecs'; allowed here: timeoutSeconds, leaseSeconds, stepTimeoutSeconds",
    );
    expect(read({ flavors: [{ ...postgres, storage: 5 }] })).toThrow(
      "Invalid app-config at 'dbaas.flavors[0].storage': unknown key 'storage'",
    );
    expect(read({ runtimes: { local: { datadir: '/x' } } })).toThrow(
      "'dbaas.runtimes.local.datadir': unknown key 'datadir'; allowed here: enabled, dataDir, host, walArchiving",
    );
    expect(read({ catalog: { refreshSecs: 3 } })).toThrow(
      "'dbaas.catalog.refreshSecs': unknown key 'refreshSecs'; allowed here: refreshSeconds, fullSyncMinutes",
    );
  });

  it('names the Docker host key of a url that is none', () => {
    expect(
      read({
        defaultRuntime: 'docker',
        runtimes: { docker: { hosts: [{ name: 'a', url: 'docker.sock' }] } },
      }),
    ).toThrow(
      "Invalid app-config at 'dbaas.runtimes.docker.hosts[0].url': must be unix:///var/run/docker.sock, tcp://host:2376 (with tls) or ssh://user@host:22 (with ssh.hostKey)",
    );
    expect(
      read({
        runtimes: { docker: { hosts: [{ name: 'a', url: 'tcp://[::1' }] } },
      }),
    ).toThrow(
      "Invalid app-config at 'dbaas.runtimes.docker.hosts[0].url': is not a URL",
    );
    expect(
      read({
        runtimes: {
          docker: { hosts: [{ name: 'a', url: 'tcp://10.0.0.5:2375' }] },
        },
      }),
    ).toThrow("Invalid app-config at 'dbaas.runtimes.docker.hosts[0].tls'");
  });

  it('with the local runtime disabled, wants a default runtime that is configured', () => {
    expect(read({ runtimes: { local: { enabled: false } } })).toThrow(
      "Invalid app-config at 'dbaas.defaultRuntime': is required when the local runtime is disabled",
    );
    expect(
      read({
        defaultRuntime: 'local',
        runtimes: { local: { enabled: false } },
      }),
    ).toThrow("'dbaas.defaultRuntime': is 'local', but");
    const config = read({
      defaultRuntime: 'docker',
      runtimes: {
        local: { enabled: false },
        docker: { hosts: [{ name: 'a', url: 'unix:///var/run/docker.sock' }] },
      },
    })();
    expect(config.defaultRuntime).toBe('docker');
    expect(config.runtimes.local.enabled).toBe(false);
  });
});

describe('readDbaasConfig takes values from environment variables', () => {
  it('reads numbers and booleans given as strings, as ${VAR} substitutes them', () => {
    const config = readDbaasConfig(
      new ConfigReader({
        dbaas: {
          defaultRuntime: 'docker',
          runtimes: {
            local: { enabled: 'false', walArchiving: 'off' },
            docker: {
              hosts: [
                {
                  name: 'a',
                  url: 'unix:///var/run/docker.sock',
                  maxInstances: '20',
                },
              ],
              startTimeoutSeconds: '90',
            },
          },
        },
      }),
    );
    expect(config.runtimes.local).toMatchObject({
      enabled: false,
      walArchiving: false,
    });
    expect(config.runtimes.docker).toMatchObject({
      hosts: [{ maxInstances: 20 }],
      startTimeoutSeconds: 90,
    });
    expect(
      readCatalogSettings(
        new ConfigReader({ dbaas: { catalog: { refreshSeconds: '5' } } }),
      ),
    ).toEqual({ refreshSeconds: 5, fullSyncMinutes: 10 });
  });

  it('still names a string that is no number or boolean', () => {
    expect(() =>
      readDbaasConfig(
        new ConfigReader({
          dbaas: { runtimes: { local: { enabled: 'maybe' } } },
        }),
      ),
    ).toThrow(
      "Invalid app-config at 'dbaas.runtimes.local.enabled': Expected boolean, received string",
    );
  });
});
