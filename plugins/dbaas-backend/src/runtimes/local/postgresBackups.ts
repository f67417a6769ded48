import fs from 'fs/promises';
import os from 'os';
import path from 'path';
import { Client } from 'pg';
import {
  EngineSecrets,
  EngineSpec,
  pastLastCommit,
  RecoveryWindowFault,
  RestoreRequest,
  RestoreResult,
  RuntimeFault,
} from '@dbaas/plugin-dbaas-node';
import type { LocalBackups, LocalHost } from './LocalServer';
import type { PostgresServer } from './postgresServer';
import { archivedWal } from './postgresArchiving';
import { startBaseBackup } from './postgresBaseBackup';
import { replaceServerSettings, serverSettings } from './postgresConf';
import {
  configureRecovery,
  extractBaseBackup,
  labelStartTime,
  lastTransaction,
  recoveryFailure,
  removeRecovery,
} from './postgresRestore';
import { chownTo, pathExists, RunAs, waitUntil } from './processes';

/** How long a base backup waits for the server to archive the WAL it needs. */
const ARCHIVE_WAIT_MS = 120_000;

/** Where a restore puts the WAL for the server to read (beside the data directory). */
const RESTORE_WAL = 'restore-wal';

/** Base backups, WAL archiving and restores of the local PostgreSQL servers. */
export class PostgresBackups implements LocalBackups {
  constructor(private readonly server: PostgresServer) {}

  async baseBackup(
    host: LocalHost,
    secrets: EngineSecrets,
    signal: AbortSignal,
  ) {
    if (!(await this.server.runningPid(host))) {
      throw new RuntimeFault(
        'ENGINE_UNAVAILABLE',
        'the PostgreSQL server is not running: a base backup needs it running',
      );
    }
    const { data } = this.server.paths(host);
    return startBaseBackup({
      client: this.server.adminClient(host, secrets, 'template1'),
      data,
      label: `dbaas ${new Date().toISOString()}`,
      signal,
      // the archiver marks a file done at once; pg_backup_stop looks only once a second
      untilArchived: async wal => {
        const done = path.join(data, 'pg_wal', 'archive_status', `${wal}.done`);
        if (!(await waitUntil(() => pathExists(done), ARCHIVE_WAIT_MS, 20))) {
          throw new RuntimeFault(
            'ENGINE_UNAVAILABLE',
            `WAL file ${wal} was not archived within ${
              ARCHIVE_WAIT_MS / 1000
            } s: check the server's archive_command in its log`,
          );
        }
      },
    });
  }

  archivedWal(host: LocalHost) {
    return archivedWal(host.dir);
  }

  /** Switches to a new WAL segment; the server does nothing when the current one is empty. */
  async closeLog(host: LocalHost, secrets: EngineSecrets) {
    if (!(await this.server.runningPid(host))) return;
    const client = this.server.adminClient(host, secrets, 'template1');
    await client.connect();
    try {
      await client.query('SELECT pg_switch_wal()');
    } finally {
      await client.end().catch(() => {});
    }
  }

  /** Into a new host: extract, recover until promoted, set the new admin password, restart. */
  async restore(
    host: LocalHost,
    spec: EngineSpec,
    secrets: EngineSecrets,
    request: RestoreRequest,
    signal: AbortSignal,
  ): Promise<RestoreResult> {
    const { data, log } = this.server.paths(host);
    const { targetTime, backupStoppedAt } = request;
    if (await pathExists(path.join(data, 'PG_VERSION'))) {
      request.backup.destroy();
      throw new RuntimeFault(
        'ENGINE_START_FAILED',
        `a restore needs a new instance: ${data} already holds a database`,
      );
    }
    if (targetTime && backupStoppedAt && targetTime < backupStoppedAt) {
      request.backup.destroy();
      throw new RecoveryWindowFault(targetTime, backupStoppedAt);
    }
    const runAs = await this.server.user();
    await chownTo(host.dir, runAs);
    const scratch = `${data}.restore`;
    await fs.rm(scratch, { recursive: true, force: true });
    await fs.mkdir(scratch, { mode: 0o700 });
    await chownTo(scratch, runAs);
    let label: string;
    let walDir: string;
    let socketDir: string;
    try {
      label = await extractBaseBackup(request.backup, scratch, runAs);
      const earliest = backupStoppedAt ?? labelStartTime(label);
      if (targetTime && earliest && targetTime < earliest) {
        throw new RecoveryWindowFault(targetTime, earliest);
      }
      const conf = path.join(scratch, 'postgresql.conf');
      await fs.writeFile(
        conf,
        replaceServerSettings(
          await fs.readFile(conf, 'utf8'),
          serverSettings(host, spec.flavor.memoryMiB),
        ),
      );
      walDir = await copyWal(request.walDir, host.dir, runAs);
      socketDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dbaas-restore-'));
      await chownTo(socketDir, runAs);
      await configureRecovery(
        scratch,
        { walDir, socketDir, targetTime },
        runAs,
      );
      await fs.rename(scratch, data);
    } catch (error) {
      for (const dir of [scratch, path.join(host.dir, RESTORE_WAL)]) {
        await fs.rm(dir, { recursive: true, force: true });
      }
      throw error;
    }
    const earliest = backupStoppedAt ?? labelStartTime(label);

    const logFrom = (await fs.stat(log).catch(() => undefined))?.size ?? 0;
    const newLog = async () =>
      (await fs.readFile(log).catch(() => Buffer.alloc(0)))
        .subarray(logFrom)
        .toString('utf8');
    const failure = async (error: unknown) =>
      recoveryFailure(await newLog(), targetTime, earliest) ?? error;
    let done = false;
    try {
      try {
        await this.recover(host, spec, secrets, socketDir, signal);
      } catch (error) {
        const cause = await failure(error);
        if (!pastLastCommit(cause, request)) throw cause;
        // nothing was committed between the log's last commit and the target: recover to the end
        await configureRecovery(
          data,
          { walDir, socketDir },
          await this.server.user(),
        );
        await this.recover(host, spec, secrets, socketDir, signal).catch(
          async e => {
            throw await failure(e);
          },
        );
      }
      await this.superuser(host, socketDir, async client => {
        await client.query(
          `ALTER ROLE postgres WITH PASSWORD ${client.escapeLiteral(
            secrets.adminPassword,
          )}`,
        );
      });
      await this.server.stop(host);
      done = true;
    } finally {
      if (!done) await this.server.stop(host);
      await removeRecovery(data);
      await fs.rm(walDir, { recursive: true, force: true });
      await fs.rm(socketDir, { recursive: true, force: true });
    }
    await this.server.start(host, spec, secrets);
    return { lastTransactionAt: lastTransaction(await newLog()) };
  }

  private async recover(
    host: LocalHost,
    spec: EngineSpec,
    secrets: EngineSecrets,
    socketDir: string,
    signal: AbortSignal,
  ) {
    await this.server.stop(host);
    await this.server.start(host, spec, secrets);
    await this.untilPromoted(host, socketDir, signal);
  }

  private async untilPromoted(
    host: LocalHost,
    socketDir: string,
    signal: AbortSignal,
  ) {
    await waitUntil(
      async () => {
        signal.throwIfAborted();
        if (!(await this.server.runningPid(host))) {
          throw new RuntimeFault(
            'ENGINE_START_FAILED',
            'PostgreSQL stopped during the recovery of the backup',
          );
        }
        return this.superuser(host, socketDir, async client => {
          const { rows } = await client.query(
            'SELECT pg_is_in_recovery() AS r',
          );
          return !rows[0].r;
        }).catch(() => false); // not accepting connections until consistent
      },
      Number.MAX_SAFE_INTEGER,
      200,
    );
  }

  private async superuser<T>(
    host: LocalHost,
    socketDir: string,
    fn: (client: Client) => Promise<T>,
  ): Promise<T> {
    const client = new Client({
      host: socketDir,
      port: host.port,
      user: 'postgres',
      database: 'template1',
      connectionTimeoutMillis: 5000,
    });
    client.on('error', () => {}); // reported by the query
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end().catch(() => {});
    }
  }
}

/** The WAL files into the instance's folder, where the server's user can read them. */
async function copyWal(from: string, instanceDir: string, runAs: RunAs) {
  const to = path.join(instanceDir, RESTORE_WAL);
  await fs.rm(to, { recursive: true, force: true });
  await fs.mkdir(to, { mode: 0o700 });
  await chownTo(to, runAs);
  for (const name of await fs.readdir(from)) {
    await fs.copyFile(path.join(from, name), path.join(to, name));
    await chownTo(path.join(to, name), runAs);
  }
  return to;
}
