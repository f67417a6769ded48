import crypto from 'crypto';
import fs from 'fs/promises';
import path from 'path';
import {
  EngineSecrets,
  EngineSpec,
  RecoveryWindowFault,
  RestoreRequest,
  RestoreResult,
  RuntimeFault,
} from '@dbaas/plugin-dbaas-node';
import type { LocalBackups, LocalHost } from './LocalServer';
import type { MariadbServer } from './mariadbServer';
import { archivedBinlogs } from './mariadbArchiving';
import { startMariadbBackup } from './mariadbBaseBackup';
import { mariadbPaths, writeMariadbConfig } from './mariadbConfig';
import {
  backupBinlogPosition,
  binlogsFrom,
  extractXbstream,
  prepareAndMove,
  replayBinlog,
  scanBinlog,
} from './mariadbRestore';
import { chownTo, pathExists, RunAs } from './processes';

/** Debian's mariadb-backup package (mariadb-backup, mbstream) and the client's tools. */
export interface MariadbBackupTools {
  backup: string;
  mbstream: string;
  binlog: string;
  client: string;
}

/** Full backups (mariadb-backup), binary log shipping and restores of the local MariaDB servers. */
export class MariadbBackups implements LocalBackups {
  constructor(private readonly server: MariadbServer) {}

  private tools(): MariadbBackupTools {
    const tools = this.server.binaries.backupTools;
    if (!tools) {
      throw new RuntimeFault(
        'ENGINE_UNAVAILABLE',
        'mariadb-backup (with mbstream and mariadb-binlog) is not installed on this machine',
      );
    }
    return tools;
  }

  async baseBackup(
    host: LocalHost,
    secrets: EngineSecrets,
    signal: AbortSignal,
  ) {
    const tools = this.tools();
    if (!(await this.server.runningPid(host))) {
      throw new RuntimeFault(
        'ENGINE_UNAVAILABLE',
        'the MariaDB server is not running: a backup needs it running',
      );
    }
    const runAs = await this.server.user();
    const id = crypto.randomBytes(6).toString('hex');
    const scratch = path.join(host.dir, `backup-${id}`);
    await fs.mkdir(scratch, { mode: 0o700 });
    await chownTo(scratch, runAs);
    const defaultsFile = await writeRootOptions(
      host,
      `backup-${id}.cnf`,
      secrets.adminPassword,
      runAs,
      true,
    );
    const cleanup = async () => {
      await fs.rm(scratch, { recursive: true, force: true });
      await fs.rm(defaultsFile, { force: true });
    };
    try {
      const backup = await startMariadbBackup({
        command: tools.backup,
        defaultsFile,
        scratch,
        runAs,
        signal,
      });
      // settles once the scratch folder and the password file are gone
      const result = backup.result.finally(cleanup);
      result.catch(() => {}); // the stream carries the same error
      return { stream: backup.stream, result };
    } catch (error) {
      await cleanup();
      throw error;
    }
  }

  archivedWal(host: LocalHost) {
    return archivedBinlogs(host.dir);
  }

  /** Rotates the binary log when anything was written since the last rotation. */
  async closeLog(host: LocalHost, secrets: EngineSecrets) {
    if (!this.server.binlog || !(await this.server.runningPid(host))) return;
    await this.server.asRoot(host, secrets, async conn => {
      const position = async () => {
        const [rows] = await conn.query('SHOW MASTER STATUS');
        const row = (rows as Array<{ File: string; Position: number }>)[0];
        return row ? `${row.File}:${row.Position}` : undefined;
      };
      const marker = path.join(host.dir, 'binlog-closed-at');
      const before = await position();
      const closed = await fs.readFile(marker, 'utf8').catch(() => undefined);
      if (!before || before === closed) return;
      await conn.query('FLUSH BINARY LOGS');
      await fs.writeFile(marker, (await position()) ?? '');
    });
  }

  /**
   * Into a new host: extract, `--prepare`, `--move-back`, start privately (socket only, root's
   * new password from an init file), replay the shipped binary log up to the target, restart.
   */
  async restore(
    host: LocalHost,
    spec: EngineSpec,
    secrets: EngineSecrets,
    request: RestoreRequest,
    signal: AbortSignal,
  ): Promise<RestoreResult> {
    const tools = this.tools();
    const p = mariadbPaths(host);
    const { targetTime, backupStoppedAt: earliest } = request;
    if (await pathExists(path.join(p.data, 'mysql'))) {
      request.backup.destroy();
      throw new RuntimeFault(
        'ENGINE_START_FAILED',
        `a restore needs a new instance: ${p.data} already holds a database`,
      );
    }
    if (targetTime && earliest && targetTime < earliest) {
      request.backup.destroy();
      throw new RecoveryWindowFault(targetTime, earliest);
    }
    const runAs = await this.server.user();
    await writeMariadbConfig(host, spec, secrets, runAs, {
      binlog: this.server.binlog,
    });
    const scratch = `${p.data}.restore`;
    const initFile = path.join(host.dir, 'restore-init.sql');
    let clientDefaults: string | undefined;
    let done = false;
    try {
      await fs.rm(scratch, { recursive: true, force: true });
      await fs.rm(p.data, { recursive: true, force: true });
      await fs.mkdir(scratch, { mode: 0o700 });
      await chownTo(scratch, runAs);
      await extractXbstream(tools.mbstream, request.backup, scratch, runAs);
      signal.throwIfAborted();
      const position = await backupBinlogPosition(scratch);
      const files = position
        ? await binlogsFrom(request.walDir, position.file)
        : [];
      const scan = files.length
        ? await scanBinlog(tools.binlog, files, position!.position)
        : { lastEvent: undefined, transactions: [] as Date[] };
      // the log may reach further than its last event says: to where the Manager saw it end
      const latest = [scan.lastEvent ?? earliest, request.logEndsAt]
        .filter((t): t is Date => t !== undefined)
        .reduce<Date | undefined>((a, b) => (a && a > b ? a : b), undefined);
      if (targetTime && (!latest || second(targetTime) > second(latest))) {
        throw new RecoveryWindowFault(targetTime, earliest, latest);
      }
      // the log's times are whole seconds: the target's second is replayed whole
      const stopAt = targetTime && new Date(second(targetTime) + 1000);
      const replayed = scan.transactions.filter(at => !stopAt || at < stopAt);

      await prepareAndMove({
        backupTool: tools.backup,
        scratch,
        serverDefaults: p.config,
        runAs,
      });
      signal.throwIfAborted();
      const alterRoot = `ALTER USER 'root'@'localhost' IDENTIFIED BY ${sqlString(
        secrets.adminPassword,
      )};\nFLUSH PRIVILEGES;`;
      await fs.writeFile(initFile, `${alterRoot}\n`, { mode: 0o600 });
      await chownTo(initFile, runAs);
      await this.server.start(host, spec, secrets, [
        '--skip-networking',
        `--init-file=${initFile}`,
      ]);
      if (files.length) {
        clientDefaults = await writeRootOptions(
          host,
          'restore-client.cnf',
          secrets.adminPassword,
          runAs,
          false,
        );
        await replayBinlog({
          binlog: tools.binlog,
          client: tools.client,
          clientDefaults,
          files,
          position: position!.position,
          stopAt,
          finalSql: alterRoot,
        });
      }
      await this.server.stop(host);
      done = true;
      return { lastTransactionAt: replayed[replayed.length - 1] };
    } finally {
      if (!done) {
        await this.server.stop(host);
        await fs.rm(p.data, { recursive: true, force: true });
      }
      await fs.rm(scratch, { recursive: true, force: true });
      await fs.rm(initFile, { force: true });
      if (clientDefaults) await fs.rm(clientDefaults, { force: true });
      if (done) await this.server.start(host, spec, secrets);
    }
  }
}

/**
 * An option file in the instance's folder giving root's password and the socket (the only
 * place a password goes: never a command line); with `server`, it includes the server's my.cnf.
 */
async function writeRootOptions(
  host: LocalHost,
  name: string,
  password: string,
  runAs: RunAs,
  server: boolean,
) {
  const p = mariadbPaths(host);
  const file = path.join(host.dir, name);
  const quoted = `"${password.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  await fs.writeFile(
    file,
    [
      ...(server ? [`!include ${p.config}`] : []),
      '[client]',
      'user = root',
      `password = ${quoted}`,
      `socket = ${p.socket}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  await chownTo(file, runAs);
  return file;
}

function sqlString(value: string) {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function second(time: Date) {
  return Math.floor(time.getTime() / 1000) * 1000;
}
