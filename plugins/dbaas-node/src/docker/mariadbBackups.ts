import { PassThrough, Readable } from 'stream';
import { finished } from 'stream/promises';
import { containerName } from '../imageContract';
import {
  BaseBackup,
  BaseBackupResult,
  EngineSecrets,
  EngineSpec,
  HostRef,
  RecoveryWindowFault,
  RestoreRequest,
  RestoreResult,
  RuntimeFault,
  StepContext,
} from '../runtime';
import type { DockerEngineRuntime } from './DockerEngineRuntime';
import { backupContainer } from './backupTool';
import { execIn, execOk } from './dockerExec';
import { putTar } from './putTar';

/** Where dbaas-dump.sh writes the dump in the container; the archive API's tar names it so. */
const DUMP_DIR = '/tmp/dbaas-backup';
const DUMP_NAME = 'dbaas-backup.sql';

/**
 * Backups of the MariaDB containers: a logical, self-contained backup of the application
 * database (the image's dbaas-dump.sh: mariadb-dump in one consistent snapshot), read out as a
 * tar through Docker's archive API; no binary log is archived, so a restore gives a backup as
 * it was (no point in time between backups). A restore starts the new container (initialized
 * with the new instance's passwords) and loads the dump (dbaas-load.sh).
 */
export class DockerMariadbBackups {
  constructor(private readonly runtime: DockerEngineRuntime) {}

  async baseBackup(
    host: HostRef,
    spec: EngineSpec,
    ctx: StepContext,
  ): Promise<BaseBackup> {
    const info = await this.runtime.inspect(host, spec.instanceId);
    const container = await backupContainer(
      this.runtime,
      host,
      spec,
      info,
      'dbaas-dump.sh',
      'a backup',
    );
    const stream = new PassThrough();
    let complete = false;
    let archive: Readable | undefined;
    const fail = (error: Error) => {
      stream.destroy(error);
      archive?.destroy();
    };
    stream.on('close', () => {
      if (!complete)
        fail(new Error('the backup stream was closed before its end'));
    });
    const onAbort = () => fail(new Error('the backup was cancelled'));
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const file = `${DUMP_DIR}/${DUMP_NAME}`;
    const result = (async (): Promise<BaseBackupResult> => {
      try {
        const dump = await execIn(container, ['dbaas-dump.sh', file]);
        if (dump.exitCode !== 0) {
          throw new Error(
            `dbaas-dump.sh exited with code ${dump.exitCode}: ${dump.stderr
              .trim()
              .split('\n')
              .slice(-3)
              .join(' | ')}`,
          );
        }
        const startedAt = dump.stderr.match(/dbaas-dump: started-at ([\d.]+)/);
        if (!startedAt) {
          throw new Error('dbaas-dump.sh did not report when it started');
        }
        ctx.signal.throwIfAborted();
        archive = (await container.getArchive({
          path: file,
        })) as unknown as Readable;
        archive.on('error', error => fail(error));
        archive.pipe(stream, { end: false });
        await finished(archive);
        await execOk(container, ['rm', '-rf', DUMP_DIR]);
        complete = true;
        stream.end();
        await finished(stream);
        // the dump holds the database as of its snapshot, taken as it started
        const at = new Date(Math.round(Number(startedAt[1]) * 1000));
        return {
          startLsn: '',
          stopLsn: '',
          startWalFile: '',
          stopWalFile: '',
          startedAt: at,
          stoppedAt: at,
          selfContained: true,
        };
      } catch (error) {
        complete = false;
        fail(error as Error);
        await execIn(container, ['rm', '-rf', DUMP_DIR]).catch(() => {});
        throw error;
      } finally {
        ctx.signal.removeEventListener('abort', onAbort);
      }
    })();
    result.catch(() => {}); // the stream carries the same error
    return { stream, result };
  }

  async restore(
    host: HostRef,
    spec: EngineSpec,
    secrets: EngineSecrets,
    request: RestoreRequest,
    ctx: StepContext,
  ): Promise<RestoreResult> {
    const { targetTime, backupStoppedAt, logEndsAt } = request;
    if (await this.runtime.inspect(host, spec.instanceId)) {
      request.backup.destroy();
      throw new RuntimeFault(
        'ENGINE_START_FAILED',
        `a restore needs a new instance: container ${containerName(
          spec.instanceId,
        )} already exists`,
      );
    }
    // no log to replay: only the backup's own moment, or one with nothing committed since
    const beyond =
      targetTime &&
      backupStoppedAt &&
      targetTime > backupStoppedAt &&
      !(logEndsAt && targetTime <= logEndsAt);
    if (
      targetTime &&
      backupStoppedAt &&
      (targetTime < backupStoppedAt || beyond)
    ) {
      request.backup.destroy();
      throw new RecoveryWindowFault(
        targetTime,
        backupStoppedAt,
        logEndsAt ?? backupStoppedAt,
      );
    }
    const container = await this.runtime.createContainer(
      host,
      spec,
      secrets,
      ctx,
      { restart: false },
    );
    try {
      await container.start();
      await this.runtime.waitHealthy(host, spec, ctx.signal);
      await putTar(container, request.backup, '/tmp', Promise.resolve());
      await execOk(container, ['dbaas-load.sh', `/tmp/${DUMP_NAME}`]);
      await container.update({ RestartPolicy: { Name: 'unless-stopped' } });
      return {};
    } catch (error) {
      request.backup.destroy();
      await container.stop().catch(() => {});
      throw error;
    }
  }
}
