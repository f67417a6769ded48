import {
  MaintenanceWindow,
  BackupPolicy,
  Endpoint,
  PendingOperation,
  Engine,
  Fault,
  HealthState,
  Instance,
  LifecycleStatus,
  Phase,
  RuntimeName,
} from '@dbaas/plugin-dbaas-common';
import { HostRef } from '@dbaas/plugin-dbaas-node';
import { nextWindowAt } from '../lifecycle/maintenanceWindow';
import type {
  StorageState,
  InstancePatch,
  NewEvent,
  RestoreSource,
  StoredInstance,
} from './InstanceStore';

const GIB = 1024 ** 3;

/** How instances and events map to table rows (snake_case columns, JSON in text columns). */

export function toRow(
  i: Omit<
    StoredInstance,
    | 'cleanupPending'
    | 'retryAttempts'
    | 'lastError'
    | 'finalBackup'
    | 'operation'
    | 'pendingSecrets'
    | 'rotationDays'
    | 'rotationRequestedAt'
    | 'storageUsedBytes'
    | 'storageMeasuredAt'
    | 'storageState'
    | 'storageReadOnly'
    | 'parameters'
    | 'image'
    | 'maintenanceWindow'
    | 'deferredOperation'
    | 'fromPool'
  >,
) {
  return {
    id: i.id,
    name: i.name,
    owner: i.owner,
    engine: i.engine,
    version: i.version,
    runtime: i.runtime,
    component: i.component,
    created_by: i.createdBy,
    created_at: i.createdAt,
    secrets: i.sealedSecrets,
    database_name: i.databaseName,
    ...patchRow(i),
    updated_at: i.updatedAt,
  };
}

export function patchRow(p: InstancePatch) {
  const row: Record<string, unknown> = {};
  const json = (v: unknown) => (v === null ? null : JSON.stringify(v));
  if (p.status !== undefined) row.status = p.status;
  if (p.health !== undefined) row.health = p.health;
  if (p.phase !== undefined) row.phase = p.phase;
  if (p.endpoint !== undefined) row.endpoint = json(p.endpoint);
  if (p.deletionProtection !== undefined)
    row.deletion_protection = p.deletionProtection;
  if (p.fault !== undefined) row.fault = json(p.fault);
  if (p.readyAt !== undefined) row.ready_at = p.readyAt;
  if (p.deletedAt !== undefined) row.deleted_at = p.deletedAt;
  if (p.deadlineAt !== undefined) row.deadline_at = p.deadlineAt;
  if (p.hostRef !== undefined) row.host_ref = json(p.hostRef);
  if (p.holdAtHost !== undefined) row.hold_at_host = p.holdAtHost;
  if (p.cleanupPending !== undefined) row.cleanup_pending = p.cleanupPending;
  if (p.retryAttempts !== undefined) {
    row.retry_attempts = p.retryAttempts;
    // a new count starts a new series: nothing to wait for
    if (p.retryAttempts === 0) row.retry_at_ms = null;
  }
  if (p.lastError !== undefined) row.last_error = p.lastError;
  if (p.restoreFrom !== undefined) row.restore_from = json(p.restoreFrom);
  if (p.finalBackup !== undefined) row.final_backup = p.finalBackup;
  if (p.backupPolicy !== undefined) row.backup_policy = json(p.backupPolicy);
  if (p.operation !== undefined) row.operation = json(p.operation);
  if (p.pendingSecrets !== undefined) row.pending_secrets = p.pendingSecrets;
  if (p.sealedSecrets !== undefined) row.secrets = p.sealedSecrets;
  if (p.rotationDays !== undefined) row.rotation_days = p.rotationDays;
  if (p.rotationRequestedAt !== undefined)
    row.rotation_requested_at = p.rotationRequestedAt;
  if (p.storageGiB !== undefined) row.storage_gib = p.storageGiB;
  if (p.storageAutoGrow !== undefined)
    row.storage_auto_grow = p.storageAutoGrow;
  if (p.storageMaxGiB !== undefined) row.storage_max_gib = p.storageMaxGiB;
  if (p.storageState !== undefined) row.storage_state = p.storageState;
  if (p.parameters !== undefined) row.parameters = json(p.parameters);
  if (p.image !== undefined) row.image = p.image;
  if (p.maintenanceWindow !== undefined)
    row.maintenance_window = json(p.maintenanceWindow);
  if (p.deferredOperation !== undefined)
    row.scheduled_operation = json(p.deferredOperation);
  if (p.flavorId !== undefined) row.flavor_id = p.flavorId;
  if (p.storageReadOnly !== undefined)
    row.storage_read_only = p.storageReadOnly;
  return row;
}

const numberOrNull = (v: unknown) =>
  v === null || v === undefined ? null : Number(v);

export function fromRow(r: any): StoredInstance {
  const json = <T>(v: string | null): T | null => (v ? JSON.parse(v) : null);
  return {
    id: r.id,
    name: r.name,
    owner: r.owner,
    flavorId: r.flavor_id,
    engine: r.engine as Engine,
    version: r.version,
    storageGiB: Number(r.storage_gib),
    runtime: r.runtime as RuntimeName,
    status: r.status as LifecycleStatus,
    health: r.health as HealthState,
    phase: (r.phase ?? null) as Phase | null,
    endpoint: json<Endpoint>(r.endpoint),
    deletionProtection: Boolean(r.deletion_protection),
    fault: json<Fault>(r.fault),
    component: r.component ?? null,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    readyAt: r.ready_at ?? null,
    deletedAt: r.deleted_at ?? null,
    deadlineAt: r.deadline_at ?? null,
    holdAtHost: Boolean(r.hold_at_host),
    hostRef: json<HostRef>(r.host_ref),
    sealedSecrets: r.secrets,
    cleanupPending: Boolean(r.cleanup_pending),
    retryAttempts: Number(r.retry_attempts ?? 0),
    lastError: r.last_error ?? null,
    restoreFrom: json<RestoreSource>(r.restore_from),
    databaseName: r.database_name ?? null,
    finalBackup: r.final_backup ?? null,
    backupPolicy: json<BackupPolicy>(r.backup_policy),
    operation: json<PendingOperation>(r.operation),
    pendingSecrets: r.pending_secrets ?? null,
    rotationDays:
      r.rotation_days === null || r.rotation_days === undefined
        ? null
        : Number(r.rotation_days),
    rotationRequestedAt: r.rotation_requested_at ?? null,
    storageAutoGrow: Boolean(r.storage_auto_grow),
    storageMaxGiB: numberOrNull(r.storage_max_gib),
    storageUsedBytes: numberOrNull(r.storage_used_bytes),
    storageMeasuredAt: r.storage_measured_at ?? null,
    storageState: (r.storage_state ?? 'ok') as StorageState,
    storageReadOnly: Boolean(r.storage_read_only),
    parameters: json<Record<string, number>>(r.parameters) ?? {},
    image: r.image ?? null,
    maintenanceWindow: json<MaintenanceWindow>(r.maintenance_window),
    deferredOperation: json<PendingOperation>(r.scheduled_operation),
    fromPool: Boolean(r.from_pool),
  };
}

export function eventRow(instanceId: string, at: string, e: NewEvent) {
  return {
    instance_id: instanceId,
    at,
    type: e.type,
    message: e.message,
    actor: e.actor,
    data: e.data ? JSON.stringify(e.data) : null,
  };
}

/** Strips what must never leave the backend. */
export function toPublicInstance(i: StoredInstance): Instance {
  const {
    hostRef,
    sealedSecrets: _s,
    deadlineAt: _d,
    holdAtHost: _hold,
    cleanupPending: _c,
    retryAttempts: _a,
    lastError: _e,
    restoreFrom: _r,
    databaseName: _n,
    finalBackup: _f,
    backupPolicy,
    pendingSecrets: _p,
    rotationDays,
    rotationRequestedAt,
    storageAutoGrow,
    storageMaxGiB,
    storageUsedBytes,
    storageMeasuredAt,
    storageState,
    storageReadOnly,
    deferredOperation,
    fromPool: _pool,
    ...instance
  } = i;
  return {
    ...instance,
    scheduledOperation:
      deferredOperation && i.maintenanceWindow
        ? {
            operation: deferredOperation,
            nextWindowAt: nextWindowAt(i.maintenanceWindow).toISOString(),
          }
        : null,
    storage: {
      autoGrow: storageAutoGrow,
      maxGiB: storageMaxGiB,
      usedBytes: storageUsedBytes,
      usedPercent:
        storageUsedBytes === null
          ? null
          : Math.round((storageUsedBytes / (i.storageGiB * GIB)) * 1000) / 10,
      measuredAt: storageMeasuredAt,
      state: storageState,
      readOnly: storageReadOnly,
    },
    host: hostRef?.address ?? null,
    ...(backupPolicy ? { backup: backupPolicy } : {}),
    credentialRotation: {
      everyDays: rotationDays,
      lastRequestedAt: rotationRequestedAt,
    },
  };
}
