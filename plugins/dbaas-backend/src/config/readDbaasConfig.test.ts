import { ConfigReader } from '@backstage/config';
import { postgresFlavor } from '../__testUtils__/fixtures';
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
