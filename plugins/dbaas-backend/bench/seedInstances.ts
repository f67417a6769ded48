import { LifecycleStatus } from '@dbaas/plugin-dbaas-common';
import knexFactory from 'knex';
import {
  newInstance,
  TEST_ENCRYPTION_KEY,
} from '../src/__testUtils__/fixtures';
import { SecretBox } from '../src/crypto/SecretBox';
import { toRow } from '../src/store/instanceRows';

/** The machine's PostgreSQL, where the benchmarks keep their stores (no trailing slash). */
export const PG_SERVER = (
  process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING ??
  'postgresql://postgres@127.0.0.1:5432'
).replace(/\/$/, '');

/**
 * Writes `count` instances straight into the Manager's table at `connection` (the rows a
 * create writes; no server runs for them): `db-00000`…, a minute apart, every third MariaDB,
 * the owner and status `vary` gives, all sealed with the test key.
 */
export async function seedInstances(
  connection: string,
  count: number,
  vary: (i: number) => { owner: string; status: LifecycleStatus },
) {
  const knex = knexFactory({ client: 'pg', connection });
  const sealed = newInstance(
    {},
    new SecretBox(TEST_ENCRYPTION_KEY),
  ).sealedSecrets;
  const start = Date.parse('2026-01-01T00:00:00Z');
  try {
    const rows = Array.from({ length: count }, (_, i) => {
      const at = new Date(start + i * 60_000).toISOString();
      const mariadb = i % 3 === 0;
      return toRow({
        ...newInstance({
          name: `db-${String(i).padStart(5, '0')}`,
          engine: mariadb ? 'mariadb' : 'postgresql',
          flavorId: mariadb ? 'mariadb-10.11' : 'postgresql-17-small',
          health: 'healthy',
          phase: null,
          ...vary(i),
        }),
        sealedSecrets: sealed,
        createdAt: at,
        updatedAt: at,
      } as any);
    });
    await knex.batchInsert('dbaas_instances', rows, 500);
    await knex.raw('ANALYZE dbaas_instances');
  } finally {
    await knex.destroy();
  }
}
