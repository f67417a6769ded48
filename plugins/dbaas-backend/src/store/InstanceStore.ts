import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import {
  BackupPolicy,
  Instance,
  InstanceStorage,
  MaintenanceWindow,
  PendingOperation,
  InstanceEvent,
  InstanceEventType,
  LifecycleStatus,
} from '@dbaas/plugin-dbaas-common';
import { Knex } from 'knex';
import { HostRef } from '@dbaas/plugin-dbaas-node';
import {
  isUniqueViolation,
  madeMeanwhile,
  migrationLocked,
} from './raceErrors';
import { fenced, Lease, WorkQueue } from './WorkQueue';
import { lockOwner, Usage, usageOf } from './ownerUsage';
import { eventRow, fromRow, patchRow, toRow } from './instanceRows';
import { InstancePageQuery, pageOfInstances } from './instancePage';

export { toPublicInstance } from './instanceRows';
export { LIVE_STATUSES } from './instancePage';
export type { Usage } from './ownerUsage';
export type { Lease } from './WorkQueue';
export { isUniqueViolation } from './raceErrors';

const INSTANCES = 'dbaas_instances';
const EVENTS = 'dbaas_events';

/** An instance with what only the Manager sees: host, sealed secrets, deadline. */
export interface StoredInstance extends Omit<Instance, 'host'> {
  hostRef: HostRef | null;
  /** Sealed with the SecretBox; never leaves the backend. */
  sealedSecrets: string;
  deadlineAt: string | null;
  /** Provisioning waits at host_ready until a deploy is requested. */
  holdAtHost: boolean;
  /** A failed create whose server or host may still exist: the janitor removes them. */
  cleanupPending: boolean;
  /** Failed attempts at the current deletion or clean-up, and the last error. */
  retryAttempts: number;
  lastError: string | null;
  /** What a restore makes the instance from; null for a new, empty database. */
  restoreFrom: RestoreSource | null;
  /** The database (and `<name>_app` user) a restored instance keeps from its source. */
  databaseName: string | null;
  /** A deletion's final backup: `pending` until it is taken, then its id; null: none. */
  finalBackup: string | null;
  /** When scheduled backups run and how long they are kept; null on instances older than it. */
  backupPolicy: BackupPolicy | null;
  /** The day-2 operation asked for and not done yet. */
  operation: PendingOperation | null;
  /** Sealed: the secrets a credential rotation is putting in place. */
  pendingSecrets: string | null;
  /** Rotate the credentials every this many days; null: only when asked. */
  rotationDays: number | null;
  /** When the last rotation was asked for. */
  rotationRequestedAt: string | null;
  /** Grow the storage by itself at 80 % used, up to `storageMaxGiB` (null: the flavor's max). */
  storageAutoGrow: boolean;
  storageMaxGiB: number | null;
  /** The last measurement of what the server's files take. */
  storageUsedBytes: number | null;
  storageMeasuredAt: string | null;
  storageState: StorageState;
  /** The Manager made the server read-only because its storage is full. */
  storageReadOnly: boolean;
  /** Server parameters the owner set (the rest are the flavor's). */
  parameters: Record<string, number>;
  /** The image the server was made from; null before it was first deployed. */
  image: string | null;
  maintenanceWindow: MaintenanceWindow | null;
  /** An operation waiting for the maintenance window, to become `operation` once it opens. */
  deferredOperation: PendingOperation | null;
  /** The server came from the warm pool: deploying gives it the instance's database and user. */
  fromPool: boolean;
}

export type StorageState = InstanceStorage['state'];

/** The backup a restore starts from, and the moment it recovers to (else the backup's end). */
export interface RestoreSource {
  backupId: string;
  sourceInstanceId: string;
  targetTime?: string;
  /** Set once the data is in place: a repeated step only deploys. */
  restoredAt?: string;
}

export type NewInstance = Omit<
  StoredInstance,
  | 'createdAt'
  | 'updatedAt'
  | 'readyAt'
  | 'deletedAt'
  | 'hostRef'
  | 'fromPool'
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
> & {
  /** A warm pool member's host, which the instance takes over (with `fromPool`). */
  hostRef?: HostRef | null;
  fromPool?: boolean;
};

export type InstancePatch = Partial<
  Pick<
    StoredInstance,
    | 'status'
    | 'health'
    | 'phase'
    | 'endpoint'
    | 'deletionProtection'
    | 'fault'
    | 'readyAt'
    | 'deletedAt'
    | 'deadlineAt'
    | 'hostRef'
    | 'holdAtHost'
    | 'cleanupPending'
    | 'retryAttempts'
    | 'lastError'
    | 'restoreFrom'
    | 'finalBackup'
    | 'backupPolicy'
    | 'operation'
    | 'pendingSecrets'
    | 'sealedSecrets'
    | 'rotationDays'
    | 'rotationRequestedAt'
    | 'storageGiB'
    | 'storageAutoGrow'
    | 'storageMaxGiB'
    | 'storageState'
    | 'storageReadOnly'
    | 'parameters'
    | 'image'
    | 'flavorId'
    | 'maintenanceWindow'
    | 'deferredOperation'
  >
>;

export interface NewEvent {
  type: InstanceEventType;
  message: string;
  actor: string;
  data?: Record<string, unknown>;
}

/** The stored columns that hold sealed values: the secrets, and the host ref (JSON text). */
export interface SealedValues {
  id: string;
  secrets: string;
  hostRef: string | null;
}

export interface InstanceFilter {
  owners?: string[];
  statuses?: LifecycleStatus[];
  flavorId?: string;
  name?: string;
}

const now = () => new Date().toISOString();

/** The instance changed (or vanished) under an update that expected another state. */
export class StaleInstanceError extends Error {
  constructor(id: string, expectedStatus?: string) {
    super(`Instance ${id} is no longer ${expectedStatus ?? 'there'}`);
    this.name = 'StaleInstanceError';
  }
}

/** Another replica took the instance over: this one stops working on it, without a trace. */
export class LeaseLostError extends Error {
  constructor(id: string) {
    super(`The lease on instance ${id} was taken over by another replica`);
    this.name = 'LeaseLostError';
  }
}

/**
 * Replicas creating knex's lock table together can each insert its one row; with two, knex can
 * never take the lock (it wants exactly one row updated) and every replica waits for good.
 * Keeps the first row.
 */
async function dropDuplicateLockRows(knex: Knex) {
  const table = 'knex_migrations_lock';
  const rows: Array<{ index: number }> = await knex(table)
    .select('index')
    .orderBy('index')
    .catch(() => []);
  if (rows.length > 1) {
    await knex(table)
      .whereIn(
        'index',
        rows.slice(1).map(r => r.index),
      )
      .delete();
  }
}

/** The Manager's state in the plugin's database (SQLite, PostgreSQL or MySQL via Knex). */
export class InstanceStore {
  static async create(knex: Knex, options: { skipMigrations?: boolean } = {}) {
    if (!options.skipMigrations) {
      const directory = resolvePackagePath(
        '@dbaas/plugin-dbaas-backend',
        'migrations',
      );
      // replicas started together on a fresh store race to create knex's own migration
      // tables; the loser finds them made a moment later and goes on
      for (let attempt = 1; ; attempt++) {
        try {
          await knex.migrate.latest({ directory });
          break;
        } catch (error) {
          // the winner migrates meanwhile; the others wait their turn (a minute at most)
          const retry =
            (madeMeanwhile(error) && attempt < 10) ||
            (migrationLocked(error) && attempt < 60);
          if (!retry) throw error;
          if (migrationLocked(error)) await dropDuplicateLockRows(knex);
          await new Promise(resolve => setTimeout(resolve, 1000));
        }
      }
    }
    return new InstanceStore(knex);
  }

  /** Leases, retries and what is waiting for work. */
  readonly work: WorkQueue;

  private constructor(private readonly knex: Knex) {
    this.work = new WorkQueue(knex);
  }

  /**
   * Records a new instance. `admit` sees the owner's usage inside the same transaction, with
   * the owner's creates serialised by a row lock, so parallel creates never over-admit a quota.
   */
  async createInstance(
    instance: NewInstance,
    event: NewEvent,
    admit?: (usage: Usage) => void,
  ): Promise<StoredInstance> {
    const at = now();
    try {
      await this.knex.transaction(async tx => {
        if (admit) {
          await lockOwner(tx, instance.owner);
          admit(await usageOf(tx, instance.owner));
        }
        await tx(INSTANCES).insert({
          ...toRow({
            ...instance,
            createdAt: at,
            updatedAt: at,
            readyAt: null,
            deletedAt: null,
            hostRef: instance.hostRef ?? null,
          }),
          from_pool: instance.fromPool ?? false,
          live_name: instance.name,
        });
        await tx(EVENTS).insert(eventRow(instance.id, at, event));
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        const other = await this.knex(INSTANCES)
          .where({ live_name: instance.name })
          .first();
        throw new ConflictError(
          `name: '${instance.name}' is already used by another database${
            other ? ` (owned by ${other.owner})` : ''
          }; database names are unique across the portal`,
        );
      }
      throw error;
    }
    return (await this.getInstance(instance.id))!;
  }

  async getInstance(id: string): Promise<StoredInstance | undefined> {
    const row = await this.knex(INSTANCES).where({ id }).first();
    return row ? fromRow(row) : undefined;
  }

  async listInstances(filter: InstanceFilter = {}): Promise<StoredInstance[]> {
    const query = this.knex(INSTANCES).orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'asc' },
    ]);
    if (filter.owners) query.whereIn('owner', filter.owners);
    if (filter.statuses) query.whereIn('status', filter.statuses);
    if (filter.flavorId) query.where('flavor_id', filter.flavorId);
    if (filter.name) query.where('name', filter.name);
    return (await query).map(fromRow);
  }

  /** One page of a list, filtered and permission-checked in SQL (see instancePage.ts). */
  pageOfInstances(query: InstancePageQuery) {
    return pageOfInstances(this.knex, query);
  }

  /**
   * Applies a change and records it in the timeline, in one transaction. With `guard.status`,
   * only while the instance still has that status (else StaleInstanceError): a delete that
   * lands mid-provisioning is never overwritten. With `guard.lease`, only while that lease
   * still holds (else LeaseLostError): a replica that was taken over cannot write.
   */
  async updateInstance(
    id: string,
    patch: InstancePatch,
    event?: NewEvent,
    guard: {
      status?: LifecycleStatus;
      lease?: Lease;
      /** Only while no day-2 operation is under way (else StaleInstanceError). */
      noOperation?: boolean;
    } = {},
  ): Promise<StoredInstance> {
    const expectedStatus = guard.status;
    const at = now();
    await this.knex.transaction(async tx => {
      const row: Record<string, unknown> = {
        ...patchRow(patch),
        updated_at: at,
      };
      if (patch.status === 'deleted') row.live_name = null;
      const query = tx(INSTANCES).where({ id });
      if (expectedStatus) query.andWhere('status', expectedStatus);
      if (guard.lease) query.andWhere(fenced(guard.lease));
      if (guard.noOperation) query.whereNull('operation');
      if ((await query.update(row)) !== 1) {
        if (
          guard.lease &&
          !(await tx(INSTANCES).where(fenced(guard.lease)).first('id'))
        ) {
          throw new LeaseLostError(id);
        }
        throw new StaleInstanceError(id, expectedStatus);
      }
      if (event) await tx(EVENTS).insert(eventRow(id, at, event));
    });
    return (await this.getInstance(id))!;
  }

  /**
   * Records what the instance's storage takes, without a timeline line or a new `updatedAt`:
   * the health reconcile measures every running instance.
   */
  async recordStorageUse(id: string, usedBytes: number) {
    await this.knex(INSTANCES)
      .where({ id })
      .update({ storage_used_bytes: usedBytes, storage_measured_at: now() });
  }

  /** Every instance's sealed values as stored (or one instance's), for re-sealing under a new key. */
  async listSealed(id?: string): Promise<SealedValues[]> {
    const query = this.knex(INSTANCES).select('id', 'secrets', 'host_ref');
    if (id) query.where({ id });
    const rows = await query;
    return rows.map(r => ({
      id: r.id,
      secrets: r.secrets,
      hostRef: r.host_ref,
    }));
  }

  /** Replaces sealed values only while they are still `before`: never over a concurrent change. */
  async swapSealed(
    before: SealedValues,
    after: SealedValues,
  ): Promise<boolean> {
    const updated = await this.knex(INSTANCES)
      .where({ id: before.id, secrets: before.secrets })
      .andWhere(q =>
        before.hostRef === null
          ? q.whereNull('host_ref')
          : q.where('host_ref', before.hostRef),
      )
      .update({ secrets: after.secrets, host_ref: after.hostRef });
    return updated === 1;
  }

  async appendEvent(id: string, event: NewEvent) {
    await this.knex(EVENTS).insert(eventRow(id, now(), event));
  }

  async listEvents(id: string): Promise<InstanceEvent[]> {
    const rows = await this.knex(EVENTS)
      .where({ instance_id: id })
      .orderBy('id', 'asc');
    return rows.map(r => ({
      id: Number(r.id),
      instanceId: r.instance_id,
      at: r.at,
      type: r.type,
      message: r.message,
      actor: r.actor,
      data: r.data ? JSON.parse(r.data) : null,
    }));
  }

  /** What an owner uses, for quotas: instances not deleted, and not failed unless something is left. */
  async usage(owner: string): Promise<Usage> {
    return usageOf(this.knex, owner);
  }
}
