import { PassThrough, Readable } from 'stream';
import * as tar from 'tar-stream';
import {
  earliestRestorable,
  lastTransaction,
  pastLastCommit,
  recoveryFailure,
} from '../backup/postgresRecovery';
import { lastLines } from '../backup/backupStream';
import {
  backupLabel,
  baseBackupFromExec,
  IN_RECOVERY_COMMAND,
  parseSpoolListing,
  SPOOL_LISTING_COMMAND,
  SWITCH_WAL_COMMAND,
} from '../backup/postgresBaseBackup';
import {
  recoveryConf,
  RECOVERY_CONF,
  restoreTar,
  smallFilesTar,
  walTar,
} from '../backup/postgresRestoreTar';
import { containerName, ENGINE_LAYOUT } from '../imageContract';
import {
  ArchivedWalFile,
  BaseBackup,
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
import { putTar } from './putTar';

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
    const exec = await execStream(container, [
      'dbaas-basebackup.sh',
      backupLabel(),
    ]);
    return baseBackupFromExec(exec, ctx.signal);
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
    const listing = await execIn(container, SPOOL_LISTING_COMMAND);
    if (listing.exitCode !== 0) return []; // a container from before the spool
    return parseSpoolListing(listing.stdout).map(f => ({
      name: f.name,
      size: f.size,
      archivedAt: f.archivedAt,
      open: async () =>
        singleFile(
          (await container.getArchive({ path: f.path })) as unknown as Readable,
        ),
      remove: async () => {
        await execOk(container, ['rm', '-f', f.path]);
      },
    }));
  }

  /** Switches to a new WAL segment; the server does nothing when the current one is empty. */
  async closeLog(host: HostRef, spec: EngineSpec) {
    if (spec.flavor.engine !== 'postgresql') return;
    const info = await this.runtime.inspect(host, spec.instanceId);
    if (!info?.State.Running || !hasSpool(info)) return;
    await execOk(
      this.runtime.container(host, spec.instanceId),
      SWITCH_WAL_COMMAND,
    );
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
      const earliest = earliestRestorable(request, label);
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
          smallFilesTar([
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
      const promoted = await execIn(container, IN_RECOVERY_COMMAND).catch(
        () => undefined,
      ); // not accepting connections until consistent
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
