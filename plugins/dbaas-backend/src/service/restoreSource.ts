import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import {
  dbaasInstanceRestorePermission,
  Flavor,
  RestoreFrom,
} from '@dbaas/plugin-dbaas-common';
import { insideWindow, recoveryWindow } from '../backups/recoveryWindow';
import { databaseName } from '../lifecycle/instanceSpecs';
import { RuntimeRegistry } from '../runtimes';
import { BackupRecords, StoredBackup } from '../store/BackupRecords';
import { RestoreSource, StoredInstance } from '../store/InstanceStore';
import { InstanceGate } from './access/instanceGate';

/**
 * Checks a create's `restoreFrom` and finds what it restores: the backup, and the moment for
 * a point in time. The caller needs dbaas.instance.restore on the source (deleted or not);
 * the flavor must have the source's engine and version, the runtime must restore backups.
 */
export async function resolveRestoreSource(
  deps: {
    records: BackupRecords;
    gate: InstanceGate;
    runtimes: RuntimeRegistry;
  },
  restoreFrom: RestoreFrom,
  credentials: BackstageCredentials,
  target: { flavor: Flavor; runtimeName: string },
): Promise<{ source: RestoreSource; databaseName: string }> {
  if (!deps.runtimes.get(target.runtimeName)?.engine.backups) {
    const able = deps.runtimes
      .list()
      .filter(r => r.engine.backups)
      .map(r => r.name);
    throw new InputError(
      `runtime: the ${
        target.runtimeName
      } runtime cannot restore backups; use one that can: ${
        able.join(', ') || 'none is configured'
      }`,
    );
  }
  let source: RestoreSource;
  let instance: StoredInstance;
  if ('backupId' in restoreFrom) {
    const backup = await deps.records.get(restoreFrom.backupId);
    const missing = new InputError(
      `restoreFrom.backupId: no backup with id ${restoreFrom.backupId}`,
    );
    if (!backup) throw missing;
    instance = await deps.gate
      .load(backup.instanceId, credentials, dbaasInstanceRestorePermission, {
        includeDeleted: true,
      })
      .catch(error => {
        throw error instanceof NotFoundError ? missing : error;
      });
    if (backup.status !== 'completed') {
      throw new InputError(
        `restoreFrom.backupId: backup ${backup.id} is ${backup.status}; only a completed backup can be restored`,
      );
    }
    source = { backupId: backup.id, sourceInstanceId: instance.id };
  } else {
    instance = await deps.gate
      .load(
        restoreFrom.instanceId,
        credentials,
        dbaasInstanceRestorePermission,
        { includeDeleted: true },
      )
      .catch(error => {
        throw error instanceof NotFoundError
          ? new InputError(
              `restoreFrom.instanceId: no database instance with id ${restoreFrom.instanceId}`,
            )
          : error;
      });
    const at = new Date(restoreFrom.pointInTime);
    const backups = await deps.records.list(instance.id, ['completed']);
    const window = recoveryWindow(
      backups,
      await deps.records.logs(instance.id),
    );
    if (!insideWindow(window, at)) {
      throw new InputError(
        window.earliest
          ? `restoreFrom.pointInTime: ${at.toISOString()} is outside the recovery window of ${
              instance.name
            }: ${window.earliest} .. ${window.latest} (RESTORE_OUTSIDE_WINDOW)`
          : `restoreFrom.instanceId: ${instance.name} has no completed backup yet, so there is no moment to restore it to`,
      );
    }
    const base = baseFor(backups, at);
    source = {
      backupId: base.id,
      sourceInstanceId: instance.id,
      // the moment a backup ended is that backup alone (recovery cannot stop before its end)
      ...(at.getTime() > Date.parse(base.restorableFrom!)
        ? { targetTime: at.toISOString() }
        : {}),
    };
  }
  if (instance.runtime !== target.runtimeName) {
    throw new InputError(
      `runtime: ${instance.name}'s backups were taken on the ${instance.runtime} runtime and restore only there (got ${target.runtimeName})`,
    );
  }
  if (
    target.flavor.engine !== instance.engine ||
    target.flavor.version !== instance.version
  ) {
    throw new InputError(
      `flavorId: ${instance.name} is ${instance.engine} ${instance.version}; a restore needs a flavor of the same engine and version (got ${target.flavor.id}: ${target.flavor.engine} ${target.flavor.version})`,
    );
  }
  return {
    source,
    databaseName: instance.databaseName ?? databaseName(instance.name),
  };
}

/** The newest completed backup that ended by `at`: the one a point-in-time restore starts from. */
function baseFor(backups: StoredBackup[], at: Date): StoredBackup {
  return backups
    .filter(
      b => b.restorableFrom && Date.parse(b.restorableFrom) <= at.getTime(),
    )
    .sort((a, b) => a.restorableFrom!.localeCompare(b.restorableFrom!))
    .pop()!;
}
