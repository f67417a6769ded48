import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  dbaasRuntimesExtensionPoint,
  Runtime,
  RuntimeFault,
} from '@dbaas/plugin-dbaas-node';
import { Client } from 'pg';

/**
 * A runtime from a separate backend module, depending on `@dbaas/plugin-dbaas-node` only:
 * each database is a role and a database on one shared PostgreSQL server
 * (`dbaas.runtimes.shared-postgres.url`). The example of docs/writing-a-runtime.md.
 */
export const sharedPostgresRuntimeModule = createBackendModule({
  pluginId: 'dbaas',
  moduleId: 'shared-postgres-runtime',
  register(reg) {
    reg.registerInit({
      deps: { runtimes: dbaasRuntimesExtensionPoint },
      async init({ runtimes }) {
        runtimes.addRuntime({
          name: 'shared-postgres',
          create: ({ config }) =>
            sharedPostgresRuntime(config.getString('url')),
        });
      },
    });
  },
});

function sharedPostgresRuntime(url: string): Runtime {
  const admin = async <T>(work: (client: Client) => Promise<T>) => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  const server = new URL(url);
  return {
    name: 'shared-postgres',
    unsupportedReason: flavor =>
      flavor.engine === 'postgresql'
        ? undefined
        : `it serves postgresql, not ${flavor.engine}`,
    host: {
      // nothing to make: the server exists already
      provision: async spec => ({
        runtime: 'shared-postgres',
        instanceId: spec.instanceId,
        address: server.hostname,
        data: {},
      }),
      describe: async () => ({ exists: true }),
      find: async () => undefined,
      destroy: async () => {},
    },
    engine: {
      async deploy(_host, spec, secrets) {
        await admin(async client => {
          const { rowCount } = await client.query(
            'SELECT 1 FROM pg_roles WHERE rolname = $1',
            [spec.username],
          );
          if (!rowCount) {
            await client.query(
              `CREATE ROLE "${spec.username}" LOGIN PASSWORD '${secrets.password}'`,
            );
            await client.query(
              `CREATE DATABASE "${spec.database}" OWNER "${spec.username}"`,
            );
          }
        }).catch(error => {
          throw new RuntimeFault(
            'ENGINE_START_FAILED',
            `the shared server refused the database: ${error.message}`,
          );
        });
        return {
          host: server.hostname,
          port: Number(server.port || 5432),
          database: spec.database,
          user: spec.username,
        };
      },
      async health(_host, spec) {
        const exists = await admin(client =>
          client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
            spec.database,
          ]),
        );
        return exists.rowCount
          ? { state: 'healthy' }
          : { state: 'unhealthy', message: 'its database is gone' };
      },
      stop: async () => {},
      start: async () => {},
      async remove(_host, spec) {
        await admin(async client => {
          await client.query(
            `DROP DATABASE IF EXISTS "${spec.database}" WITH (FORCE)`,
          );
          await client.query(`DROP ROLE IF EXISTS "${spec.username}"`);
        });
      },
    },
  };
}
