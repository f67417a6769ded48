import { Endpoint } from '@dbaas/plugin-dbaas-common';
import { spawn } from 'child_process';
import fs from 'fs/promises';
import mysql from 'mysql2/promise';
import path from 'path';
import {
  EngineSecrets,
  EngineSpec,
  mysqlSsl,
  RuntimeFault,
} from '@dbaas/plugin-dbaas-node';
import {
  asAdminRow,
  LocalHost,
  LocalServer,
  localEndpoint,
  notRunning,
} from './LocalServer';
import { MariadbBackups, MariadbBackupTools } from './mariadbBackups';
import { mariadbPaths, writeMariadbConfig } from './mariadbConfig';
import {
  isAlive,
  pathExists,
  readPid,
  run,
  RunAs,
  runAsSystemUser,
  serverEnvironment,
  terminate,
  waitUntil,
} from './processes';

/** A MariaDB (or MySQL) server from the system's packages: `mariadbd` or `mysqld`. */
export class MariadbServer implements LocalServer {
  private runAs?: Promise<RunAs>;
  readonly backups = new MariadbBackups(this);

  constructor(
    readonly binaries: {
      server: string;
      installDb: string;
      /** mariadb-backup, mbstream, mariadb-binlog and mariadb, when all are installed. */
      backupTools?: MariadbBackupTools;
    },
    private readonly options: { walArchiving?: boolean } = {},
  ) {}

  /** Whether the servers keep a binary log (point-in-time recovery). */
  get binlog() {
    return this.options.walArchiving ?? false;
  }

  user() {
    this.runAs ??= runAsSystemUser('mysql');
    return this.runAs;
  }

  async initialize(host: LocalHost, spec: EngineSpec, secrets: EngineSecrets) {
    const p = mariadbPaths(host);
    const runAs = await this.user();
    await writeMariadbConfig(host, spec, secrets, runAs, {
      binlog: this.binlog,
    });
    if (await pathExists(path.join(p.data, 'mysql'))) return;

    const scratch = `${p.data}.init`;
    await fs.rm(scratch, { recursive: true, force: true });
    await run(
      this.binaries.installDb,
      [
        `--defaults-file=${p.config}`,
        `--datadir=${scratch}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        ...(runAs.uid !== undefined ? ['--user=mysql'] : []),
      ],
      { env: serverEnvironment(host.dir) },
    );
    await fs.rename(scratch, p.data);
  }

  /** `extraArgs`: server options for this start only (a restore's private start). */
  async start(
    host: LocalHost,
    spec: EngineSpec,
    secrets: EngineSecrets,
    extraArgs: string[] = [],
  ) {
    if (await this.runningPid(host)) return;
    const p = mariadbPaths(host);
    const runAs = await this.user();
    await writeMariadbConfig(host, spec, secrets, runAs, {
      binlog: this.binlog,
    });
    const child = spawn(
      this.binaries.server,
      [
        `--defaults-file=${p.config}`,
        ...(runAs.uid !== undefined ? ['--user=mysql'] : []),
        ...extraArgs,
      ],
      // its own process group: it outlives the backend and is re-adopted later; a minimal
      // environment, never the backend's (its secrets)
      { detached: true, stdio: 'ignore', env: serverEnvironment(host.dir) },
    );
    child.unref();
    const ready = await waitUntil(
      async () => {
        if (child.exitCode !== null || (child.pid && !isAlive(child.pid)))
          return true;
        return (
          (await this.adminConnection(host, secrets).catch(() => undefined)) !==
          undefined
        );
      },
      120_000,
      200,
    );
    if (!ready || child.exitCode !== null) {
      const tail = await fs.readFile(p.log, 'utf8').catch(() => '');
      throw new RuntimeFault(
        'ENGINE_START_FAILED',
        `MariaDB did not start on port ${host.port}: ${tail
          .trim()
          .split('\n')
          .slice(-3)
          .join(' | ')}`,
      );
    }
  }

  /** Connects as root over the socket: with the admin password, or, right after install, none. */
  private async adminConnection(host: LocalHost, secrets: EngineSecrets) {
    const p = mariadbPaths(host);
    for (const password of [secrets.adminPassword, '']) {
      try {
        const conn = await mysql.createConnection({
          socketPath: p.socket,
          user: 'root',
          password,
          connectTimeout: 2000,
        });
        await conn.end();
        return password;
      } catch (error) {
        if ((error as { code?: string }).code !== 'ER_ACCESS_DENIED_ERROR')
          throw error;
      }
    }
    throw new Error('root access denied with the stored admin password');
  }

  /** Runs `fn` on a connection as root over the socket. */
  async asRoot<T>(
    host: LocalHost,
    secrets: EngineSecrets,
    fn: (conn: mysql.Connection) => Promise<T>,
  ): Promise<T> {
    const conn = await mysql.createConnection({
      socketPath: mariadbPaths(host).socket,
      user: 'root',
      password: secrets.adminPassword,
      connectTimeout: 5000,
    });
    try {
      return await fn(conn);
    } finally {
      await conn.end().catch(() => {});
    }
  }

  async adminQuery(
    host: LocalHost,
    secrets: EngineSecrets,
    sql: string,
    database: string,
  ) {
    return this.asRoot(host, secrets, async conn => {
      await conn.changeUser({ database });
      const [rows] = await conn.query({ sql, rowsAsArray: true });
      return Array.isArray(rows) ? (rows as unknown[][]).map(asAdminRow) : [];
    });
  }

  async ensureApplicationDatabase(
    host: LocalHost,
    spec: EngineSpec,
    secrets: EngineSecrets,
  ): Promise<Endpoint> {
    const p = mariadbPaths(host);
    const rootPassword = await this.adminConnection(host, secrets);
    const conn = await mysql.createConnection({
      socketPath: p.socket,
      user: 'root',
      password: rootPassword,
    });
    try {
      const esc = (value: string) => conn.escape(value);
      const db = `\`${spec.database.replace(/`/g, '``')}\``;
      await conn.query(
        `ALTER USER 'root'@'localhost' IDENTIFIED BY ${esc(
          secrets.adminPassword,
        )}`,
      );
      // the install's other root accounts (root@127.0.0.1, root@::1, root@<host name>) and
      // anonymous ones have no password: only root@localhost, with the admin password, stays
      const [extra] = await conn.query(
        "SELECT User AS user, Host AS host FROM mysql.user WHERE (User = 'root' AND Host <> 'localhost') OR User = ''",
      );
      for (const account of extra as Array<{ user: string; host: string }>) {
        await conn.query(
          `DROP USER IF EXISTS ${esc(account.user)}@${esc(account.host)}`,
        );
      }
      await conn.query(`CREATE DATABASE IF NOT EXISTS ${db}`);
      await conn.query(
        `CREATE USER IF NOT EXISTS ${esc(
          spec.username,
        )}@'%' IDENTIFIED BY ${esc(secrets.password)}`,
      );
      await conn.query(
        `ALTER USER ${esc(spec.username)}@'%' IDENTIFIED BY ${esc(
          secrets.password,
        )}`,
      );
      await conn.query(
        `GRANT ALL PRIVILEGES ON ${db}.* TO ${esc(spec.username)}@'%'`,
      );
    } finally {
      await conn.end();
    }
    return localEndpoint(host, spec);
  }

  async health(host: LocalHost, spec: EngineSpec, secrets: EngineSecrets) {
    if (!(await this.runningPid(host))) {
      return notRunning('MariaDB');
    }
    try {
      const conn = await mysql.createConnection({
        host: host.host,
        port: host.port,
        user: spec.username,
        password: secrets.password,
        database: spec.database,
        connectTimeout: 5000,
        ssl: mysqlSsl(secrets.tls, host.host),
      });
      await conn.query('SELECT 1');
      await conn.end();
      return { state: 'healthy' as const };
    } catch (error) {
      return {
        state: 'unhealthy' as const,
        message: `MariaDB does not answer: ${(error as Error).message}`,
      };
    }
  }

  runningPid(host: LocalHost) {
    return readPid(mariadbPaths(host).pid, path.basename(this.binaries.server));
  }

  async stop(host: LocalHost) {
    const pid = await this.runningPid(host);
    if (pid) await terminate(pid);
  }
}
