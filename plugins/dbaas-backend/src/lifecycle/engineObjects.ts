import { DatabaseUserRole } from '@dbaas/plugin-dbaas-common';
import {
  EngineAdmin,
  EngineSecrets,
  EngineSpec,
  HostRef,
} from '@dbaas/plugin-dbaas-node';
import { scramVerifier } from '../crypto/scramVerifier';

/**
 * Users and databases inside a server, made as its administrator. Every function is
 * idempotent (a worker that resumes one after a crash runs it again). Names are checked
 * against `^[a-z][a-z0-9_]{0,30}$` before they get here, so quoting them is enough.
 */
export interface AdminTarget {
  admin: EngineAdmin;
  host: HostRef;
  spec: EngineSpec;
  secrets: EngineSecrets;
}

const PRIVILEGES: Record<
  DatabaseUserRole,
  { tables: string; sequences: string }
> = {
  readonly: { tables: 'SELECT', sequences: 'SELECT' },
  readwrite: {
    tables: 'SELECT, INSERT, UPDATE, DELETE',
    sequences: 'USAGE, SELECT',
  },
};

/** A string literal: PostgreSQL takes backslashes as they are, MariaDB escapes them. */
export const pgString = (value: string) => `'${value.replace(/'/g, "''")}'`;
export const mysqlString = (value: string) =>
  `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

function run(t: AdminTarget, sql: string, database?: string) {
  return t.admin.query(t.host, t.spec, t.secrets, sql, { database });
}

async function exists(t: AdminTarget, sql: string) {
  return (await run(t, sql)).length > 0;
}

/**
 * Makes the user with its password and its role's privileges on `database`'s tables: those
 * there are and (PostgreSQL) those the application user makes later.
 */
export async function createUser(
  t: AdminTarget,
  user: {
    name: string;
    role: DatabaseUserRole;
    database: string;
    password: string;
  },
) {
  const privileges = PRIVILEGES[user.role];
  if (t.spec.flavor.engine === 'postgresql') {
    const role = `"${user.name}"`;
    // the server stores only the verifier: the password itself never reaches it
    const password = pgString(scramVerifier(user.password));
    const known = await exists(
      t,
      `SELECT 1 FROM pg_roles WHERE rolname = ${pgString(user.name)}`,
    );
    await run(
      t,
      known
        ? `ALTER ROLE ${role} WITH LOGIN PASSWORD ${password}`
        : `CREATE ROLE ${role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${password}`,
    );
    const owner = `"${t.spec.username}"`;
    for (const sql of [
      `GRANT CONNECT ON DATABASE "${user.database}" TO ${role}`,
      `GRANT USAGE ON SCHEMA public TO ${role}`,
      `GRANT ${privileges.tables} ON ALL TABLES IN SCHEMA public TO ${role}`,
      `GRANT ${privileges.sequences} ON ALL SEQUENCES IN SCHEMA public TO ${role}`,
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT ${privileges.tables} ON TABLES TO ${role}`,
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT ${privileges.sequences} ON SEQUENCES TO ${role}`,
    ]) {
      await run(t, sql, user.database);
    }
    return;
  }
  const account = `${mysqlString(user.name)}@'%'`;
  const password = mysqlString(user.password);
  await run(
    t,
    `CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY ${password}`,
  );
  await run(t, `ALTER USER ${account} IDENTIFIED BY ${password}`);
  await run(
    t,
    `GRANT ${privileges.tables} ON \`${user.database}\`.* TO ${account}`,
  );
}

/** Ends the user's sessions and removes it with its privileges; a user already gone is success. */
export async function dropUser(
  t: AdminTarget,
  user: { name: string; database: string },
) {
  if (t.spec.flavor.engine === 'postgresql') {
    const name = pgString(user.name);
    if (!(await exists(t, `SELECT 1 FROM pg_roles WHERE rolname = ${name}`))) {
      return;
    }
    await run(
      t,
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ${name}`,
    );
    // its privileges and default privileges go with it (in a database that still exists)
    if (await databaseExists(t, user.database)) {
      await run(t, `DROP OWNED BY "${user.name}"`, user.database);
    }
    await run(t, `DROP ROLE IF EXISTS "${user.name}"`);
    return;
  }
  const account = `${mysqlString(user.name)}@'%'`;
  for (const [id] of await run(
    t,
    `SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ${mysqlString(
      user.name,
    )}`,
  )) {
    await run(t, `KILL CONNECTION ${Number(id)}`).catch(() => {});
  }
  await run(t, `DROP USER IF EXISTS ${account}`);
}

function databaseExists(t: AdminTarget, name: string) {
  return t.spec.flavor.engine === 'postgresql'
    ? exists(t, `SELECT 1 FROM pg_database WHERE datname = ${pgString(name)}`)
    : exists(
        t,
        `SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ${mysqlString(
          name,
        )}`,
      );
}

/** Makes an empty database the application user owns (MariaDB: may do anything in). */
export async function createDatabase(t: AdminTarget, name: string) {
  if (t.spec.flavor.engine === 'postgresql') {
    if (!(await databaseExists(t, name))) {
      await run(t, `CREATE DATABASE "${name}" OWNER "${t.spec.username}"`);
    }
    return;
  }
  await run(t, `CREATE DATABASE IF NOT EXISTS \`${name}\``);
  await run(
    t,
    `GRANT ALL PRIVILEGES ON \`${name}\`.* TO ${mysqlString(
      t.spec.username,
    )}@'%'`,
  );
}

/** Drops the database with its data, ending the sessions on it; one already gone is success. */
export async function dropDatabase(t: AdminTarget, name: string) {
  if (t.spec.flavor.engine === 'postgresql') {
    await run(t, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    return;
  }
  await run(t, `DROP DATABASE IF EXISTS \`${name}\``);
  await run(
    t,
    `REVOKE ALL PRIVILEGES ON \`${name}\`.* FROM ${mysqlString(
      t.spec.username,
    )}@'%'`,
  ).catch(() => {}); // no grant left is fine
}
