import { ConfigReader } from '@backstage/config';
import { loadConfig } from '@backstage/config-loader';
import { readDbaasConfig } from '@dbaas/plugin-dbaas-backend';
import fs from 'fs';
import os from 'os';
import path from 'path';

const root = path.resolve(__dirname, '../../..');

/** app-config.yaml with app-config.production.yaml over it (and `extra`), as the image loads them. */
async function productionConfig(env: Record<string, string>, extra?: object) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbaas-prod-config-'));
  const extraFile = path.join(dir, 'app-config.extra.yaml');
  fs.writeFileSync(extraFile, JSON.stringify(extra ?? {}));
  try {
    const { appConfigs } = await loadConfig({
      configRoot: root,
      configTargets: [
        { path: path.join(root, 'app-config.yaml') },
        { path: path.join(root, 'app-config.production.yaml') },
        { path: extraFile },
      ],
      experimentalEnvFunc: async name => env[name],
    });
    return ConfigReader.fromConfigs(appConfigs);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const secrets = {
  DBAAS_ENCRYPTION_KEY_ID: 'prod-1',
  DBAAS_ENCRYPTION_KEY: 'a production key of sixteen or more',
  DBAAS_LOCAL_DATA_DIR: '/var/lib/dbaas',
};

describe('the production config', () => {
  it('turns the local runtime off and wants a default runtime', async () => {
    const config = await productionConfig(secrets);
    expect(() => readDbaasConfig(config)).toThrow(
      // app-config.yaml's default runtime (local) is left when DBAAS_DEFAULT_RUNTIME is unset
      "Invalid app-config at 'dbaas.defaultRuntime': is 'local', but dbaas.runtimes.local.enabled is false: name a configured runtime",
    );
  });

  it('starts on the runtime it names, with local off and the store on PostgreSQL', async () => {
    const config = await productionConfig(
      { ...secrets, DBAAS_DEFAULT_RUNTIME: 'docker' },
      {
        dbaas: {
          runtimes: {
            docker: {
              hosts: [{ name: 'docker-1', url: 'unix:///var/run/docker.sock' }],
            },
          },
        },
      },
    );
    const dbaas = readDbaasConfig(config);
    expect(dbaas.defaultRuntime).toBe('docker');
    expect(dbaas.runtimes.local.enabled).toBe(false);
    // flavors of the images images/ builds, not the local runtime's PostgreSQL 17
    expect(dbaas.flavors.map(f => f.image)).toEqual([
      'dbaas/postgresql:15',
      'dbaas/mariadb:10.11',
    ]);
    expect(dbaas.runtimes.docker?.hosts.map(h => h.name)).toEqual(['docker-1']);
    expect(dbaas.encryptionKeys).toEqual([
      { id: 'prod-1', secret: 'a production key of sixteen or more' },
    ]);
    expect(config.getString('backend.database.client')).toBe('pg');
  });
});
