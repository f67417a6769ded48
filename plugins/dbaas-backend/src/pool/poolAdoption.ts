import { Flavor } from '@dbaas/plugin-dbaas-common';
import {
  EngineAdmin,
  EngineSecrets,
  EngineSpec,
  HostRef,
} from '@dbaas/plugin-dbaas-node';
import { mysqlString, pgString } from '../lifecycle/engineObjects';
import { scramVerifier } from '../crypto/scramVerifier';

/** The placeholder database and user a pool member is started with; a claim replaces them. */
export const POOL_DATABASE = 'dbaas_pool_member';
export const POOL_USER = 'dbaas_pool_member_app';

/** What a pool member is deployed with: its own id, the flavor's default storage, the placeholders. */
export function poolEngineSpec(memberId: string, flavor: Flavor): EngineSpec {
  return {
    instanceId: memberId,
    flavor,
    storageGiB: flavor.storageGiB.default,
    database: POOL_DATABASE,
    username: POOL_USER,
  };
}

/**
 * Makes a claimed pool member the instance's server: the application user with the
 * instance's new password, the placeholder database renamed to the instance's (PostgreSQL; an
 * empty one made on MariaDB) and owned by it, the placeholder user dropped. Idempotent: a
 * worker that resumes it after a crash runs it again.
 */
export async function adoptPoolMember(
  admin: EngineAdmin,
  host: HostRef,
  spec: EngineSpec,
  secrets: EngineSecrets,
): Promise<void> {
  const run = (sql: string, database: string) =>
    admin.query(host, spec, secrets, sql, { database });
  const user = spec.username;
  const keepPlaceholderUser = user === POOL_USER;
  if (spec.flavor.engine === 'postgresql') {
    const role = `"${user}"`;
    const db = `"${spec.database}"`;
    // one batch, one connection: the server runs it as one transaction
    await run(
      [
        `DO $$BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${pgString(user)}) THEN
    CREATE ROLE ${role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = ${pgString(
    spec.database,
  )}) THEN
    ALTER DATABASE "${POOL_DATABASE}" RENAME TO ${db};
  END IF;
END$$`,
        // the server stores only the verifier: the password itself never reaches it
        `ALTER ROLE ${role} WITH LOGIN PASSWORD ${pgString(
          scramVerifier(secrets.password),
        )}`,
        `ALTER DATABASE ${db} OWNER TO ${role}`,
        ...(keepPlaceholderUser ? [] : [`DROP ROLE IF EXISTS "${POOL_USER}"`]),
      ].join(';\n'),
      'template1',
    );
    return;
  }
  const account = `${mysqlString(user)}@'%'`;
  const password = mysqlString(secrets.password);
  for (const sql of [
    `CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY ${password}`,
    `ALTER USER ${account} IDENTIFIED BY ${password}`,
    `CREATE DATABASE IF NOT EXISTS \`${spec.database}\``,
    `GRANT ALL PRIVILEGES ON \`${spec.database}\`.* TO ${account}`,
    ...(keepPlaceholderUser
      ? []
      : [
          `DROP USER IF EXISTS '${POOL_USER}'@'%'`,
          `DROP DATABASE IF EXISTS \`${POOL_DATABASE}\``,
        ]),
  ]) {
    await run(sql, 'mysql');
  }
}
