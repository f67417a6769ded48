import { Client } from 'pg';

/** The PostgreSQL server on this machine (and in CI) that backends under test store into. */
export const PG_SERVER = (
  process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING ??
  'postgresql://postgres@127.0.0.1:5432'
).replace(/\/$/, '');

/** Drops every database a backend made with `backend.database.prefix: prefix`. */
export async function dropDatabases(prefix: string) {
  const admin = new Client({ connectionString: `${PG_SERVER}/postgres` });
  await admin.connect();
  try {
    const { rows } = await admin.query(
      'SELECT datname FROM pg_database WHERE datname LIKE $1',
      [`${prefix}%`],
    );
    for (const { datname } of rows) {
      await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}
