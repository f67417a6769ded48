import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  Backup,
  dbaasInstanceBackupPermission,
  dbaasInstanceReadPermission,
  RecoveryWindow,
} from '@dbaas/plugin-dbaas-common';
import { BackupStore } from '@dbaas/plugin-dbaas-node';
import { BackupRunner } from '../backups/BackupRunner';
import { recoveryWindow } from '../backups/recoveryWindow';
import { RuntimeRegistry } from '../runtimes';
import {
  BackupRecords,
  StoredBackup,
  toPublicBackup,
} from '../store/BackupRecords';
import { InstanceGate } from './access/instanceGate';
import { restoresInProgress } from '../backups/BackupScheduler';
import { InstanceStore } from '../store/InstanceStore';
import { actorOf } from './access/principal';

/**
 * The backup routes' checks and answers. Reading needs dbaas.instance.read on the instance,
 * taking and deleting dbaas.instance.backup; a deleted instance's backups stay readable.
 */
export class BackupService {
  constructor(
    private readonly deps: {
      records: BackupRecords;
      runner: BackupRunner;
      store: BackupStore;
      gate: InstanceGate;
      runtimes: RuntimeRegistry;
      instances: InstanceStore;
    },
  ) {}

  async create(id: string, credentials: BackstageCredentials): Promise<Backup> {
    const instance = await this.deps.gate.load(
      id,
      credentials,
      dbaasInstanceBackupPermission,
    );
    if (!this.deps.runtimes.get(instance.runtime)?.engine.backups) {
      throw new ConflictError(
        `${instance.name} runs on the ${instance.runtime} runtime, which cannot take backups yet`,
      );
    }
    if (instance.status !== 'running') {
      throw new ConflictError(
        `Only a running database can be backed up; ${instance.name} is ${instance.status}`,
      );
    }
    const [running] = await this.deps.records.list(id, ['running']);
    if (running) {
      throw new ConflictError(
        `A backup of ${instance.name} is already running (${running.id}, started ${running.startedAt})`,
      );
    }
    const backup = await this.deps.runner.start(
      instance,
      'manual',
      actorOf(credentials),
    );
    return toPublicBackup(backup);
  }

  async list(id: string, credentials: BackstageCredentials): Promise<Backup[]> {
    await this.readable(id, credentials);
    return (await this.deps.records.list(id)).map(toPublicBackup);
  }

  async get(
    backupId: string,
    credentials: BackstageCredentials,
  ): Promise<Backup> {
    return toPublicBackup(await this.load(backupId, credentials));
  }

  /** Removes the object, then the record; the last completed backup of a live instance stays. */
  async delete(backupId: string, credentials: BackstageCredentials) {
    const backup = await this.load(backupId, credentials);
    const instance = await this.deps.gate.load(
      backup.instanceId,
      credentials,
      dbaasInstanceBackupPermission,
      { includeDeleted: true },
    );
    if (backup.status === 'running') {
      throw new ConflictError(
        `Backup ${backup.id} is still running; delete it once it has ended`,
      );
    }
    if ((await restoresInProgress(this.deps.instances)).has(backup.id)) {
      throw new ConflictError(
        `Backup ${backup.id} is being restored into a new database; delete it once that is done`,
      );
    }
    if (backup.status === 'completed' && instance.status !== 'deleted') {
      const completed = await this.deps.records.list(instance.id, [
        'completed',
      ]);
      if (completed.length === 1) {
        throw new ConflictError(
          `Backup ${backup.id} is the only completed backup of ${instance.name}: its recovery window starts there. Take another backup first`,
        );
      }
    }
    if (backup.objectKey) await this.deps.store.delete(backup.objectKey);
    await this.deps.records.delete(backup.id);
    return backup;
  }

  async recoveryWindow(
    id: string,
    credentials: BackstageCredentials,
  ): Promise<RecoveryWindow> {
    await this.readable(id, credentials);
    return recoveryWindow(
      await this.deps.records.list(id, ['completed']),
      await this.deps.records.logs(id),
    );
  }

  private readable(id: string, credentials: BackstageCredentials) {
    return this.deps.gate.load(id, credentials, dbaasInstanceReadPermission, {
      includeDeleted: true,
    });
  }

  /** The backup, when the caller may read its instance; 404 otherwise. */
  private async load(
    backupId: string,
    credentials: BackstageCredentials,
  ): Promise<StoredBackup> {
    const backup = await this.deps.records.get(backupId);
    const missing = new NotFoundError(`No backup with id ${backupId}`);
    if (!backup) throw missing;
    await this.readable(backup.instanceId, credentials).catch(error => {
      throw error instanceof NotFoundError ? missing : error;
    });
    return backup;
  }
}
