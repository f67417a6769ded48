import { Readable } from 'stream';
import {
  DUMP_DIR,
  DUMP_NAME,
  DUMP_RESTORE_PATH,
  dumpBackup,
  requireDumpTarget,
} from '../backup/mariadbDump';
import { containerName } from '../imageContract';
import {
  BaseBackup,
  EngineSecrets,
  EngineSpec,
  HostRef,
  RestoreRequest,
  RestoreResult,
  RuntimeFault,
  StepContext,
} from '../runtime';
import type { DockerEngineRuntime } from './DockerEngineRuntime';
import { backupContainer } from './backupTool';
import { execIn, execOk } from './dockerExec';
import { putTar } from './putTar';

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
    return dumpBackup(
      {
        dump: file => execIn(container, ['dbaas-dump.sh', file, spec.database]),
        read: async () =>
          (await container.getArchive({
            path: `${DUMP_DIR}/${DUMP_NAME}`,
          })) as unknown as Readable,
        clean: async () => {
          await execOk(container, ['rm', '-rf', DUMP_DIR]);
        },
      },
      ctx.signal,
    );
  }

  async restore(
    host: HostRef,
    spec: EngineSpec,
    secrets: EngineSecrets,
    request: RestoreRequest,
    ctx: StepContext,
  ): Promise<RestoreResult> {
    if (await this.runtime.inspect(host, spec.instanceId)) {
      request.backup.destroy();
      throw new RuntimeFault(
        'ENGINE_START_FAILED',
        `a restore needs a new instance: container ${containerName(
          spec.instanceId,
        )} already exists`,
      );
    }
    requireDumpTarget(request);
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
      await execOk(container, ['dbaas-load.sh', DUMP_RESTORE_PATH]);
      await container.update({ RestartPolicy: { Name: 'unless-stopped' } });
      return {};
    } catch (error) {
      request.backup.destroy();
      await container.stop().catch(() => {});
      throw error;
    }
  }
}
