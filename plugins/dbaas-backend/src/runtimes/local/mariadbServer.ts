import { Endpoint } from '@dbaas/plugin-dbaas-common';
import { spawn } from 'child_process';
import crypto from 'crypto';
import fs from 'fs/promises';
import mysql from 'mysql2/promise';
import os from 'os';
import path from 'path';
import {
  EngineSecrets,
  EngineSpec,
  EngineTls,
  mysqlSsl,
  RuntimeFault,
} from '@dbaas/plugin-dbaas-node';
import {
  LocalHost,
  LocalServer,
  localEndpoint,
  notRunning,
} from './LocalServer';
import {
  chownTo,
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

  constructor(
    private readonly binaries: { server: string; installDb: string },
  ) {}

  private user() {
    this.runAs ??= runAsSystemUser('mysql');
    return this.runAs;
  }

  private paths(host: LocalHost) {
    // unix socket paths are limited to ~100 bytes: keep them short and outside the data dir
    const id = crypto
      .createHash('sha256')
      .update(host.dir)
      .digest('hex')
      .slice(0, 16);
    return {
      data: path.join(host.dir, 'mysql'),
      config: path.join(host.dir, 'my.cnf'),
      pid: path.join(host.dir, 'mariadb.pid'),
      log: path.join(host.dir, 'mariadb.log'),
      socket: path.join(os.tmpdir(), `dbaas-${id}.sock`),
      tls: path.join(host.dir, 'tls'),
      // the server's own: bootstraps that share /tmp collide on their temporary tables
      // ("Unknown table 'mysql.tmp_user_sys'") when several instances install at once
      tmp: path.join(host.dir, 'tmp'),
    };
  }

  /**
   * my.cnf, and the server's certificate, key and CA in `<dir>/tls`: written before every
   * start, so the stored certificate is the one served.
   */
  private async configure(
    host: LocalHost,
    spec: EngineSpec,
    secrets: EngineSecrets,
  ) {
    const p = this.paths(host);
    const runAs = await this.user();
    await chownTo(host.dir, runAs);
    await fs.mkdir(p.tmp, { recursive: true, mode: 0o700 });
    await chownTo(p.tmp, runAs);
    if (secrets.tls) {
      await fs.mkdir(p.tls, { recursive: true, mode: 0o700 });
      await chownTo(p.tls, runAs);
      for (const [name, content] of Object.entries(tlsFiles(secrets.tls))) {
        const file = path.join(p.tls, name);
        await fs.rm(file, { force: true });
        await fs.writeFile(file, content, { mode: 0o600 });
        await chownTo(file, runAs);
      }
    }
    await fs.writeFile(
      p.config,
      serverConfig(
        host,
        p,
        spec.flavor.memoryMiB,
        secrets.tls
          ? { require: spec.flavor.tls?.require ?? false }
          : undefined,
      ),
    );
  }

  async initialize(host: LocalHost, spec: EngineSpec, secrets: EngineSecrets) {
    const p = this.paths(host);
    const runAs = await this.user();
    await this.configure(host, spec, secrets);
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

  async start(host: LocalHost, spec: EngineSpec, secrets: EngineSecrets) {
    if (await this.runningPid(host)) return;
    const p = this.paths(host);
    const runAs = await this.user();
    await this.configure(host, spec, secrets);
    const child = spawn(
      this.binaries.server,
      [
        `--defaults-file=${p.config}`,
        ...(runAs.uid !== undefined ? ['--user=mysql'] : []),
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
    const p = this.paths(host);
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

  async ensureApplicationDatabase(
    host: LocalHost,
    spec: EngineSpec,
    secrets: EngineSecrets,
  ): Promise<Endpoint> {
    const p = this.paths(host);
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
    return readPid(this.paths(host).pid);
  }

  async stop(host: LocalHost) {
    const pid = await this.runningPid(host);
    if (pid) await terminate(pid);
  }
}

function tlsFiles(tls: EngineTls) {
  return {
    'server.crt': tls.certificatePem,
    'server.key': tls.privateKeyPem,
    'ca.crt': tls.caPem,
  };
}

function serverConfig(
  host: LocalHost,
  p: {
    data: string;
    pid: string;
    log: string;
    socket: string;
    tls: string;
    tmp: string;
  },
  memoryMiB: number,
  tls?: { require: boolean },
) {
  const file = (name: keyof ReturnType<typeof tlsFiles>) =>
    path.join(p.tls, name);
  return [
    '# Written by the DBaaS local runtime',
    '[mysqld]',
    `datadir = ${p.data}`,
    `port = ${host.port}`,
    `bind-address = ${host.host}`,
    `socket = ${p.socket}`,
    `pid-file = ${p.pid}`,
    `log-error = ${p.log}`,
    `tmpdir = ${p.tmp}`,
    `innodb_buffer_pool_size = ${Math.max(64, Math.floor(memoryMiB / 2))}M`,
    'character-set-server = utf8mb4',
    'collation-server = utf8mb4_unicode_ci',
    'skip-name-resolve = 0',
    ...(tls
      ? [
          `ssl_cert = ${file('server.crt')}`,
          `ssl_key = ${file('server.key')}`,
          `ssl_ca = ${file('ca.crt')}`,
          'tls_version = TLSv1.2,TLSv1.3',
          // the unix socket (the Manager's admin access) counts as secure transport
          `require_secure_transport = ${tls.require ? 'ON' : 'OFF'}`,
        ]
      : []),
    '',
  ].join('\n');
}
