import { PassThrough, Readable } from 'stream';
import { finished } from 'stream/promises';
import * as tar from 'tar-stream';
import {
  labelStartTime,
  lastTransaction,
  pastLastCommit,
  recoveryFailure,
} from '../backup/postgresRecovery';
import { containerName, ENGINE_LAYOUT, WAL_SPOOL_PATH } from '../imageContract';
import {
  ArchivedWalFile,
  BaseBackup,
  BaseBackupResult,
  EngineBackups,
  EngineSecrets,
  EngineSpec,
  HostRef,
  RecoveryWindowFault,
  RestoreRequest,
  RestoreResult,
  RuntimeFault,
  StepContext,
} from '../runtime';
import { sleep } from '../waitFor';
import type { DockerEngineRuntime } from './DockerEngineRuntime';
import { backupContainer } from './backupTool';
import { execIn, execOk, execStream } from './dockerExec';
import { DockerMariadbBackups } from './mariadbBackups';
import {
  file,
  putTar,
  recoveryConf,
  RECOVERY_CONF,
  restoreTar,
  walTar,
} from './restoreTar';

const ARCHIVED =
  /^([0-9A-F]{24}(\.partial|\.[0-9A-F]{8}\.backup)?|[0-9A-F]{8}\.history)$/;
/** initdb's default, which the image keeps. */
const WAL_SEGMENT_BYTES = 16n * 1024n * 1024n;
const PGDATA = ENGINE_LAYOUT.postgresql.dataPath;

/**
 * Backups of the containers (PostgreSQL here; MariaDB's in DockerMariadbBackups), through the Docker API only (so the same over SSH to a
 * VM): base backups by the image's `dbaas-basebackup.sh` (pg_basebackup over the local socket)
 * streamed out of `docker exec`; the WAL the image's archive_command copied into the spool
 * volume, listed by exec and read through the archive API; restores put into a new container
 * through the archive API before its first start.
 */
export class DockerPostgresBackups implements EngineBackups {
  private readonly mariadb: DockerMariadbBackups;

  constructor(private readonly runtime: DockerEngineRuntime) {
    this.mariadb = new DockerMariadbBackups(runtime);
  }

  async baseBackup(
    host: HostRef,
    spec: EngineSpec,
    _secrets: EngineSecrets,
    ctx: StepContext,
  ): Promise<BaseBackup> {
    if (spec.flavor.engine === 'mariadb') {
      return this.mariadb.baseBackup(host, spec, ctx);
    }
    const info = await this.archiving(host, spec, 'a base backup');
    const container = await backupContainer(
      this.runtime,
      host,
      spec,
      info,
      'dbaas-basebackup.sh',
      'a base backup',
    );
    const label = `dbaas ${new Date().toISOString()}`;
    const exec = await execStream(container, ['dbaas-basebackup.sh', label]);
    let log = '';
    exec.stderr.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString('utf8')).slice(-64 * 1024);
    });
    exec.stderr.on('error', () => {}); // reported through stdout
    const stream = new PassThrough();
    let complete = false;
    const fail = (error: Error) => {
      stream.destroy(error);
      exec.stdout.destroy();
    };
    stream.on('close', () => {
      if (!complete) {
        fail(new Error('the backup stream was closed before its end'));
      }
    });
    const onAbort = () => fail(new Error('the backup was cancelled'));
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    exec.stdout.pipe(stream, { end: false });
    exec.stdout.on('error', error => fail(error));

    const result = (async (): Promise<BaseBackupResult> => {
      try {
        if (ctx.signal.aborted) onAbort();
        await finished(exec.stdout);
        const exitCode = await exec.exitCode;
        await finished(exec.stderr).catch(() => {});
        if (exitCode !== 0) {
          throw new Error(
            `dbaas-basebackup.sh exited with code ${exitCode}: ${lastLines(
              log,
            )}`,
          );
        }
        const backup = parseBackupLog(log);
        complete = true;
        stream.end();
        await finished(stream);
        return backup;
      } catch (error) {
        complete = false;
        fail(error as Error);
        throw error;
      } finally {
        ctx.signal.removeEventListener('abort', onAbort);
      }
    })();
    result.catch(() => {}); // the stream carries the same error
    return { stream, result };
  }

  async archivedWal(
    host: HostRef,
    spec: EngineSpec,
  ): Promise<ArchivedWalFile[]> {
    if (spec.flavor.engine !== 'postgresql') return [];
    const info = await this.runtime.inspect(host, spec.instanceId);
    // a stopped server archives nothing new; its spool waits for the next start
    if (!info?.State.Running) return [];
    const container = this.runtime.container(host, spec.instanceId);
    const listing = await execIn(container, [
      'find',
      WAL_SPOOL_PATH,
      '-maxdepth',
      '1',
      '-type',
      'f',
      '-printf',
      '%f\\t%s\\t%T@\\n',
    ]);
    if (listing.exitCode !== 0) return []; // a container from before the spool
    const files: ArchivedWalFile[] = [];
    for (const line of listing.stdout.split('\n')) {
      const [name, size, mtime] = line.split('\t');
      if (!name || !ARCHIVED.test(name)) continue;
      const full = `${WAL_SPOOL_PATH}/${name}`;
      files.push({
        name,
        size: Number(size),
        archivedAt: new Date(Math.round(Number(mtime) * 1000)),
        open: async () =>
          singleFile(
            (await container.getArchive({ path: full })) as unknown as Readable,
          ),
        remove: async () => {
          await execOk(container, ['rm', '-f', full]);
        },
      });
    }
    return files.sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** Switches to a new WAL segment; the server does nothing when the current one is empty. */
  async closeLog(host: HostRef, spec: EngineSpec) {
    if (spec.flavor.engine !== 'postgresql') return;
    const info = await this.runtime.inspect(host, spec.instanceId);
    if (!info?.State.Running || !hasSpool(info)) return;
    await execOk(this.runtime.container(host, spec.instanceId), [
      'bash',
      '-c',
      'PGPASSWORD="$(cat "$DBAAS_ADMIN_PASSWORD_FILE")" psql -XAtq -h /run/postgresql -U postgres -d template1 -c "SELECT pg_switch_wal()" > /dev/null',
    ]);
  }

  /** Into a new container: put the backup and the WAL in, recover until promoted, finish. */
  async restore(
    host: HostRef,
    spec: EngineSpec,
    secrets: EngineSecrets,
    request: RestoreRequest,
    ctx: StepContext,
  ): Promise<RestoreResult> {
    if (spec.flavor.engine === 'mariadb') {
      return this.mariadb.restore(host, spec, secrets, request, ctx);
    }
    const { targetTime, backupStoppedAt } = request;
    try {
      requirePostgres(spec, 'a restore');
      if (await this.runtime.inspect(host, spec.instanceId)) {
        throw new RuntimeFault(
          'ENGINE_START_FAILED',
          `a restore needs a new instance: container ${containerName(
            spec.instanceId,
          )} already exists`,
        );
      }
      if (targetTime && backupStoppedAt && targetTime < backupStoppedAt) {
        throw new RecoveryWindowFault(targetTime, backupStoppedAt);
      }
    } catch (error) {
      request.backup.destroy();
      throw error;
    }
    const container = await this.runtime.createContainer(
      host,
      spec,
      secrets,
      ctx,
      { restart: false },
    );
    try {
      const backup = restoreTar(request.backup, targetTime);
      await putTar(container, backup.tar, PGDATA, backup.label);
      const label = await backup.label;
      const earliest = backupStoppedAt ?? labelStartTime(label);
      if (targetTime && earliest && targetTime < earliest) {
        throw new RecoveryWindowFault(targetTime, earliest);
      }
      await putTar(
        container,
        walTar(request.walDir),
        '/var/lib/dbaas',
        Promise.resolve(),
      );

      let logFrom = 0;
      const newLog = async () =>
        (await this.runtime.allLogs(host, spec.instanceId)).slice(logFrom);
      const failure = async (error: unknown) =>
        recoveryFailure(await newLog(), targetTime, earliest) ?? error;
      try {
        await this.recover(host, spec, ctx.signal);
      } catch (error) {
        const cause = await failure(error);
        if (!pastLastCommit(cause, request)) throw cause;
        // nothing was committed between the log's last commit and the target: recover to the end
        await container.stop().catch(() => {});
        logFrom = (await this.runtime.allLogs(host, spec.instanceId)).length;
        await container.putArchive(
          tarOf([
            [RECOVERY_CONF, recoveryConf()],
            ['recovery.signal', ''],
          ]),
          { path: PGDATA },
        );
        await this.recover(host, spec, ctx.signal).catch(async e => {
          throw await failure(e);
        });
      }
      await execOk(container, ['dbaas-restore-done.sh']);
      await container.update({ RestartPolicy: { Name: 'unless-stopped' } });
      return { lastTransactionAt: lastTransaction(await newLog()) };
    } catch (error) {
      // a restore that fails leaves nothing running
      await container.stop().catch(() => {});
      throw error;
    }
  }

  /** Starts the container and waits until the server has recovered and been promoted. */
  private async recover(host: HostRef, spec: EngineSpec, signal: AbortSignal) {
    const container = this.runtime.container(host, spec.instanceId);
    await container.start();
    for (;;) {
      signal.throwIfAborted();
      const info = await this.runtime.inspect(host, spec.instanceId);
      if (!info?.State.Running) {
        const tail = await this.runtime.logs(host, spec, 5).catch(() => '');
        throw new RuntimeFault(
          'ENGINE_START_FAILED',
          `PostgreSQL stopped during the recovery of the backup: ${lastLines(
            tail,
          )}`,
        );
      }
      const promoted = await execIn(container, [
        'psql',
        '-XAtq',
        '-h',
        '/run/postgresql',
        '-U',
        'postgres',
        '-d',
        'template1',
        '-c',
        'SELECT pg_is_in_recovery()',
      ]).catch(() => undefined); // not accepting connections until consistent
      if (promoted?.exitCode === 0 && promoted.stdout.trim() === 'f') return;
      await sleep(200);
    }
  }

  /** The container, which must archive its WAL into a spool. */
  private async archiving(host: HostRef, spec: EngineSpec, what: string) {
    requirePostgres(spec, what);
    const info = await this.runtime.inspect(host, spec.instanceId);
    if (!info) {
      throw new RuntimeFault(
        'ENGINE_UNAVAILABLE',
        `container ${containerName(spec.instanceId)} is gone`,
      );
    }
    if (!hasSpool(info)) {
      throw new RuntimeFault(
        'ENGINE_UNAVAILABLE',
        `container ${containerName(
          spec.instanceId,
        )} was created without a WAL spool (before backups): ${what} needs its WAL archived`,
      );
    }
    return info;
  }
}

function requirePostgres(spec: EngineSpec, what: string) {
  if (spec.flavor.engine !== 'postgresql') {
    throw new RuntimeFault(
      'ENGINE_UNAVAILABLE',
      `the Docker runtime cannot take ${what} of ${spec.flavor.engine}, only of PostgreSQL and MariaDB`,
    );
  }
}

function hasSpool(info: { Config: { Env?: string[] | null } }) {
  return (info.Config.Env ?? []).some(e => e.startsWith('DBAAS_WAL_SPOOL='));
}

function lastLines(text: string) {
  return text.trim().split('\n').slice(-3).join(' | ');
}

/** What dbaas-basebackup.sh reports on stderr (see images/postgresql-15). */
export function parseBackupLog(log: string): BaseBackupResult {
  const start = log.match(
    /dbaas-basebackup: START WAL LOCATION: ([0-9A-F]+\/[0-9A-F]+)/,
  );
  const stop = log.match(
    /dbaas-basebackup: STOP WAL LOCATION: ([0-9A-F]+\/[0-9A-F]+)/,
  );
  const tli = log.match(/dbaas-basebackup: STOP TIMELINE: (\d+)/);
  const startedAt = log.match(/dbaas-basebackup: started-at ([\d.]+)/);
  const stoppedAt = log.match(/dbaas-basebackup: stopped-at ([\d.]+)/);
  if (!start || !stop || !tli || !startedAt || !stoppedAt) {
    throw new Error(
      `dbaas-basebackup.sh did not report the backup's start and end: ${lastLines(
        log,
      )}`,
    );
  }
  const timeline = Number(tli[1]);
  return {
    startLsn: start[1],
    stopLsn: stop[1],
    startWalFile: walFileName(start[1], timeline),
    stopWalFile: walFileName(stop[1], timeline),
    startedAt: new Date(Math.round(Number(startedAt[1]) * 1000)),
    stoppedAt: new Date(Math.round(Number(stoppedAt[1]) * 1000)),
  };
}

/** The WAL file holding the byte before `lsn`, as the server's pg_walfile_name names it. */
export function walFileName(lsn: string, timeline: number): string {
  const [high, low] = lsn.split('/');
  const position = (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
  const segment = (position - 1n) / WAL_SEGMENT_BYTES;
  const perId = 0x100000000n / WAL_SEGMENT_BYTES;
  const hex = (n: bigint | number) =>
    n.toString(16).toUpperCase().padStart(8, '0');
  return hex(timeline) + hex(segment / perId) + hex(segment % perId);
}

/** The one file in a tar from Docker's archive API, as a stream. */
function singleFile(archive: Readable): Promise<Readable> {
  const extract = tar.extract();
  const out = new PassThrough();
  return new Promise<Readable>((resolve, reject) => {
    let found = false;
    extract.on('entry', (header, entry, next) => {
      entry.on('end', () => next());
      if (found || header.type !== 'file') {
        entry.resume();
        return;
      }
      found = true;
      entry.on('error', error => out.destroy(error));
      entry.pipe(out as unknown as NodeJS.WritableStream);
      resolve(out);
    });
    extract.on('finish', () => {
      if (!found) reject(new Error('the archive holds no file'));
    });
    extract.on('error', error => {
      out.destroy(error);
      reject(error);
    });
    archive.on('error', error => extract.destroy(error));
    archive.pipe(extract as unknown as NodeJS.WritableStream);
  });
}

/** Small files as a tar for PGDATA, the image user's. */
function tarOf(files: [string, string][]): Readable {
  const pack = tar.pack();
  for (const [name, content] of files) {
    const body = Buffer.from(content);
    pack.entry(file(name, body.length), body);
  }
  pack.finalize();
  return Readable.from(pack as unknown as AsyncIterable<Buffer>, {
    objectMode: false,
  });
}
