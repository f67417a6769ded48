import {
  Backup,
  BackupFault,
  BackupStatus,
  BackupTrigger,
} from '@dbaas/plugin-dbaas-common';
import { Knex } from 'knex';
import { dbNowMs, dbNowPlusMs } from './dbClock';

const BACKUPS = 'dbaas_backups';
const LOGS = 'dbaas_archived_logs';

/** A backup as the Manager keeps it: with its object in the backup store and the log it needs. */
export interface StoredBackup extends Backup {
  objectKey: string | null;
  /** The first and last log files a restore of this backup replays. */
  walStart: string | null;
  walStop: string | null;
}

export interface CompletedBackup {
  objectKey: string;
  size: number;
  sha256: string;
  restorableFrom: string;
  walStart: string;
  walStop: string;
}

/** A log file (PostgreSQL WAL, a MariaDB binary log) shipped to the backup store. */
export interface ArchivedLog {
  instanceId: string;
  name: string;
  size: number;
  sha256: string;
  /** When the server finished the file: the log covers time up to it. */
  archivedAt: string;
}

/**
 * The Manager's records of backups and shipped log files. A running backup is held by the
 * replica taking it (a lease in the database's clock, renewed while its bytes flow); one whose
 * replica stopped is found by {@link failAbandoned} and ends `failed`.
 */
export class BackupRecords {
  constructor(private readonly knex: Knex) {}

  async start(backup: {
    id: string;
    instanceId: string;
    trigger: BackupTrigger;
    requestedBy: string;
    owner: string;
    leaseMs: number;
  }): Promise<StoredBackup> {
    await this.knex(BACKUPS).insert({
      id: backup.id,
      instance_id: backup.instanceId,
      kind: 'full',
      trigger: backup.trigger,
      status: 'running',
      started_at: new Date().toISOString(),
      requested_by: backup.requestedBy,
      lease_owner: backup.owner,
      lease_until_ms: dbNowPlusMs(this.knex, backup.leaseMs),
    });
    return (await this.get(backup.id))!;
  }

  async get(id: string): Promise<StoredBackup | undefined> {
    const row = await this.knex(BACKUPS).where({ id }).first();
    return row ? fromRow(row) : undefined;
  }

  /** The instance's backups, newest first; only those with `statuses` when given. */
  async list(
    instanceId: string,
    statuses?: BackupStatus[],
  ): Promise<StoredBackup[]> {
    const query = this.knex(BACKUPS)
      .where({ instance_id: instanceId })
      .orderBy([
        { column: 'started_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ]);
    if (statuses) query.whereIn('status', statuses);
    return (await query).map(fromRow);
  }

  /** Extends the lease of a running backup; false once it is no longer this replica's. */
  async renew(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const updated = await this.knex(BACKUPS)
      .where({ id, status: 'running', lease_owner: owner })
      .update({ lease_until_ms: dbNowPlusMs(this.knex, leaseMs) });
    return updated === 1;
  }

  /** Marks a running backup completed, only while this replica still holds it. */
  async complete(
    id: string,
    owner: string,
    done: CompletedBackup,
  ): Promise<boolean> {
    const updated = await this.knex(BACKUPS)
      .where({ id, status: 'running', lease_owner: owner })
      .update({
        status: 'completed',
        object_key: done.objectKey,
        size: done.size,
        sha256: done.sha256,
        restorable_from: done.restorableFrom,
        wal_start: done.walStart,
        wal_stop: done.walStop,
        completed_at: new Date().toISOString(),
        lease_owner: null,
        lease_until_ms: null,
      });
    return updated === 1;
  }

  /** Marks a running backup failed (when `owner` is given, only while that replica holds it). */
  async fail(id: string, fault: BackupFault, owner?: string): Promise<boolean> {
    const query = this.knex(BACKUPS).where({ id, status: 'running' });
    if (owner) query.andWhere({ lease_owner: owner });
    const updated = await query.update({
      status: 'failed',
      fault: JSON.stringify(fault),
      completed_at: new Date().toISOString(),
      lease_owner: null,
      lease_until_ms: null,
    });
    return updated === 1;
  }

  /**
   * Fails the running backups whose replica stopped: their lease lapsed, or they are held by
   * `restartedOwner` (this replica, starting again, so nothing of theirs still runs). Returns
   * them.
   */
  async failAbandoned(restartedOwner?: string): Promise<StoredBackup[]> {
    const rows = await this.knex(BACKUPS)
      .where({ status: 'running' })
      .andWhere(q => {
        q.where('lease_until_ms', '<', dbNowMs(this.knex));
        if (restartedOwner) q.orWhere('lease_owner', restartedOwner);
      });
    const failed: StoredBackup[] = [];
    for (const row of rows) {
      const fault: BackupFault = {
        code: 'BACKUP_INTERRUPTED',
        message:
          'the Manager replica taking this backup stopped before it finished; nothing partial was kept',
      };
      if (await this.fail(row.id, fault, row.lease_owner ?? undefined)) {
        failed.push((await this.get(row.id))!);
      }
    }
    return failed;
  }

  /** Every instance with a backup or a shipped log file on record (deleted instances too). */
  async instanceIds(): Promise<string[]> {
    const [backups, logs] = await Promise.all([
      this.knex(BACKUPS).distinct('instance_id'),
      this.knex(LOGS).distinct('instance_id'),
    ]);
    return [
      ...new Set([...backups, ...logs].map(r => r.instance_id as string)),
    ];
  }

  async delete(id: string) {
    await this.knex(BACKUPS).where({ id }).delete();
  }

  /** Records a shipped log file (again, after a retry: the same name keeps its first record). */
  async recordLog(log: ArchivedLog) {
    await this.knex(LOGS)
      .insert({
        instance_id: log.instanceId,
        name: log.name,
        size: log.size,
        sha256: log.sha256,
        archived_at: log.archivedAt,
      })
      .onConflict(['instance_id', 'name'])
      .ignore();
  }

  /** The instance's shipped log files, in the order the server wrote them (by name). */
  async logs(instanceId: string): Promise<ArchivedLog[]> {
    const rows = await this.knex(LOGS)
      .where({ instance_id: instanceId })
      .orderBy('name', 'asc');
    return rows.map(logFromRow);
  }

  /** Those of `names` already recorded for the instance (not every file it ever shipped). */
  async recordedLogs(
    instanceId: string,
    names: string[],
  ): Promise<ArchivedLog[]> {
    if (!names.length) return [];
    const rows = await this.knex(LOGS)
      .where({ instance_id: instanceId })
      .whereIn('name', names);
    return rows.map(logFromRow);
  }

  async deleteLogs(instanceId: string, names: string[]) {
    if (!names.length) return;
    await this.knex(LOGS)
      .where({ instance_id: instanceId })
      .whereIn('name', names)
      .delete();
  }
}

function logFromRow(r: any): ArchivedLog {
  return {
    instanceId: r.instance_id,
    name: r.name,
    size: Number(r.size),
    sha256: r.sha256,
    archivedAt: r.archived_at,
  };
}

function fromRow(r: any): StoredBackup {
  return {
    id: r.id,
    instanceId: r.instance_id,
    kind: r.kind,
    trigger: r.trigger,
    status: r.status,
    size: r.size === null || r.size === undefined ? null : Number(r.size),
    sha256: r.sha256 ?? null,
    startedAt: r.started_at,
    completedAt: r.completed_at ?? null,
    restorableFrom: r.restorable_from ?? null,
    requestedBy: r.requested_by,
    fault: r.fault ? JSON.parse(r.fault) : null,
    objectKey: r.object_key ?? null,
    walStart: r.wal_start ?? null,
    walStop: r.wal_stop ?? null,
  };
}

/** Strips what only the Manager uses. */
export function toPublicBackup(b: StoredBackup): Backup {
  const { objectKey: _k, walStart: _s, walStop: _e, ...backup } = b;
  return backup;
}
