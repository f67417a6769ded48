import {
  EngineAdmin,
  EngineSecrets,
  EngineSpec,
  HostRef,
} from '@dbaas/plugin-dbaas-node';

/**
 * Makes the server refuse writes from the application and its users, or accept them again:
 * what the Manager does when the storage it enforces is full. PostgreSQL's default (kept in
 * postgresql.auto.conf, so across restarts) makes every new transaction read-only; MariaDB's
 * `read_only` refuses writes from every account without an admin privilege, and is set again
 * by each storage check while full (a restart clears it). Returns once new sessions see it.
 */
export async function setReadOnly(
  admin: EngineAdmin,
  host: HostRef,
  spec: EngineSpec,
  secrets: EngineSecrets,
  readOnly: boolean,
) {
  const run = (sql: string) => admin.query(host, spec, secrets, sql);
  if (spec.flavor.engine === 'postgresql') {
    await run(
      readOnly
        ? 'ALTER SYSTEM SET default_transaction_read_only = on'
        : 'ALTER SYSTEM RESET default_transaction_read_only',
    );
    await run('SELECT pg_reload_conf()');
    // the reload only signals the server: a session started before it reads the file again
    // would still see the old default, so wait until a new one sees the new
    const want = readOnly ? 'on' : 'off';
    for (let attempt = 0; attempt < 50; attempt++) {
      const [row] = await run('SHOW default_transaction_read_only');
      if (row?.[0] === want) return;
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    throw new Error(
      `PostgreSQL still has default_transaction_read_only ${
        want === 'on' ? 'off' : 'on'
      } 5 s after the reload`,
    );
  }
  await run(`SET GLOBAL read_only = ${readOnly ? 'ON' : 'OFF'}`);
}
