import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  dbaasRuntimesExtensionPoint,
  Runtime,
  RuntimeFault,
} from '@dbaas/plugin-dbaas-node';
import { Client, ClientBase, Pool } from 'pg';

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

/** How a shared-server runtime keeps an instance on the server, and talks to it. */
export interface SharedPostgresOptions {
  /**
   * A schema of its own in the server's database (the database of `url`) instead of a database:
   * a hundred CREATE/DROP DATABASE force a checkpoint each and take minutes on two cores. Each
   * step is then idempotent on its own: a replica killed between creating the role and the
   * schema leaves a state the next one completes.
   */
  schemaPerInstance?: boolean;
  /** At most this many connections to the server, kept open; else one per call. */
  maxConnections?: number;
}

/** Each instance a role and a database (or a schema) it owns on the shared server of `url`. */
export function sharedPostgresRuntime(
  url: string,
  options: SharedPostgresOptions = {},
): Runtime {
  const admin = adminSessions(url, options.maxConnections);
  const server = new URL(url);
  const perSchema = options.schemaPerInstance ?? false;
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
          const role = await client.query(
            'SELECT 1 FROM pg_roles WHERE rolname = $1',
            [spec.username],
          );
          if (!role.rowCount) {
            await client.query(
              `CREATE ROLE "${spec.username}" LOGIN PASSWORD '${secrets.password}'`,
            );
          }
          if (perSchema) {
            await client.query(
              `CREATE SCHEMA IF NOT EXISTS "${spec.database}" AUTHORIZATION "${spec.username}"`,
            );
          } else if (!role.rowCount) {
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
          database: perSchema
            ? server.pathname.slice(1) || 'postgres'
            : spec.database,
          user: spec.username,
        };
      },
      async health(_host, spec) {
        const exists = await admin(client =>
          client.query(
            perSchema
              ? 'SELECT 1 FROM pg_namespace WHERE nspname = $1'
              : 'SELECT 1 FROM pg_database WHERE datname = $1',
            [spec.database],
          ),
        );
        return exists.rowCount
          ? { state: 'healthy' }
          : {
              state: 'unhealthy',
              message: `its ${perSchema ? 'schema' : 'database'} is gone`,
            };
      },
      stop: async () => {},
      start: async () => {},
      async remove(_host, spec) {
        await admin(async client => {
          await client.query(
            perSchema
              ? `DROP SCHEMA IF EXISTS "${spec.database}" CASCADE`
              : `DROP DATABASE IF EXISTS "${spec.database}" WITH (FORCE)`,
          );
          await client.query(`DROP ROLE IF EXISTS "${spec.username}"`);
        });
      },
    },
  };
}

/** Runs work on an admin connection to the server: a pooled one, or one of its own. */
function adminSessions(url: string, maxConnections?: number) {
  if (maxConnections) {
    const pool = new Pool({ connectionString: url, max: maxConnections });
    pool.on('error', () => {});
    return async <T>(work: (client: ClientBase) => Promise<T>) => {
      const client = await pool.connect();
      try {
        return await work(client);
      } finally {
        client.release();
      }
    };
  }
  return async <T>(work: (client: ClientBase) => Promise<T>) => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
}
