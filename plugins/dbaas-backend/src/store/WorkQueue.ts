import { Knex } from 'knex';
import { dbNowMs, dbNowPlusMs } from './dbClock';
import { eventRow, fromRow } from './instanceRows';
import type { NewEvent, StoredInstance } from './InstanceStore';

const INSTANCES = 'dbaas_instances';
const EVENTS = 'dbaas_events';

/**
 * A replica's right to work on an instance. The token grows with every claim, and every write
 * a worker makes checks it (fencing): a replica whose lease lapsed, and that another took over,
 * can no longer change the instance even if it still runs.
 */
export interface Lease {
  instanceId: string;
  owner: string;
  token: number;
}

/**
 * What the lifecycle works on: the instances waiting for work, the leases replicas take on
 * them, and the retry schedule of work that failed; all timed by the database's clock.
 */
export class WorkQueue {
  constructor(private readonly knex: Knex) {}

  /**
   * Instances with work to do (provisioning, recovering, deleting, an operation) and no live lease but
   * `ownLeases`.
   */
  async listPending(
    ownLeases?: string,
    /** Only instances on these runtimes: a replica leaves what it cannot run to one that can. */
    runtimes?: string[],
  ): Promise<string[]> {
    const at = new Date().toISOString();
    const dbNow = dbNowMs(this.knex);
    const rows = await this.knex(INSTANCES)
      .where(q =>
        q
          .whereIn('status', ['provisioning', 'recovering', 'deleting'])
          // a day-2 operation asked of a running or stopped instance
          .orWhere(o =>
            o
              .whereIn('status', ['running', 'stopped'])
              .whereNotNull('operation'),
          ),
      )
      // held at their host until a deploy is asked for, unless their deadline passed
      .whereNot(q =>
        q
          .where({ phase: 'host_ready', hold_at_host: true })
          .andWhere('deadline_at', '>=', at),
      )
      .andWhere(q => {
        q.whereNull('lease_owner').orWhere('lease_until_ms', '<', dbNow);
        // a restarted replica resumes its own work at once instead of waiting for expiry
        if (ownLeases) q.orWhere('lease_owner', ownLeases);
      })
      .andWhere(q =>
        q.whereNull('retry_at_ms').orWhere('retry_at_ms', '<=', dbNow),
      )
      .modify(q => {
        if (runtimes) q.whereIn('runtime', runtimes);
      })
      .select('id');
    return rows.map((r: { id: string }) => r.id);
  }

  /** Failed creates whose clean-up is due (the janitor's work), or all that still wait for one. */
  async listLeaks(options: {
    dueOnly: boolean;
    runtimes?: string[];
  }): Promise<StoredInstance[]> {
    const query = this.knex(INSTANCES)
      .where({ status: 'failed', cleanup_pending: true })
      .orderBy('updated_at', 'asc');
    if (options.dueOnly) {
      query.andWhere(q =>
        q
          .whereNull('retry_at_ms')
          .orWhere('retry_at_ms', '<=', dbNowMs(this.knex)),
      );
    }
    if (options.runtimes) query.whereIn('runtime', options.runtimes);
    return (await query).map(fromRow);
  }

  /** Takes the instance's lease unless another replica holds a live one; a new token every time. */
  async claim(
    instanceId: string,
    owner: string,
    leaseMs: number,
  ): Promise<Lease | undefined> {
    const { knex } = this;
    const updated = await knex(INSTANCES)
      .where({ id: instanceId })
      .andWhere(q =>
        q
          .whereNull('lease_owner')
          .orWhere('lease_owner', owner)
          .orWhere('lease_until_ms', '<', dbNowMs(knex)),
      )
      .update({
        lease_owner: owner,
        lease_until_ms: dbNowPlusMs(knex, leaseMs),
        lease_token: knex.raw('lease_token + 1'),
      });
    if (updated !== 1) return undefined;
    const row = await knex(INSTANCES)
      .where({ id: instanceId, lease_owner: owner })
      .first('lease_token');
    return row
      ? { instanceId, owner, token: Number(row.lease_token) }
      : undefined;
  }

  /** Extends a lease still held; false when it was taken over (the token moved on). */
  async renew(lease: Lease, leaseMs: number): Promise<boolean> {
    const updated = await this.knex(INSTANCES)
      .where(fenced(lease))
      .update({ lease_until_ms: dbNowPlusMs(this.knex, leaseMs) });
    return updated === 1;
  }

  async release(lease: Lease) {
    await this.knex(INSTANCES)
      .where(fenced(lease))
      .update({ lease_owner: null, lease_until_ms: null });
  }

  /**
   * Records a failed attempt at the instance's current work (a deletion, a clean-up): the next
   * is due after a backoff that doubles from 1 s to 10 min. The timeline gets an event only
   * when the error differs from the last one, so a retry that keeps failing the same way adds
   * nothing. Returns the attempt's number.
   */
  async scheduleRetry(
    lease: Lease,
    error: string,
    event: NewEvent,
  ): Promise<number> {
    const { knex } = this;
    return knex.transaction(async tx => {
      const row = await tx(INSTANCES)
        .where(fenced(lease))
        .first('retry_attempts', 'last_error');
      if (!row) return 0;
      const attempt = Number(row.retry_attempts ?? 0) + 1;
      const delayMs = Math.min(600_000, 1000 * 2 ** (attempt - 1));
      await tx(INSTANCES)
        .where(fenced(lease))
        .update({
          retry_attempts: attempt,
          retry_at_ms: dbNowPlusMs(tx, delayMs),
          last_error: error,
        });
      if (row.last_error !== error) {
        await tx(EVENTS).insert(
          eventRow(lease.instanceId, new Date().toISOString(), event),
        );
      }
      return attempt;
    });
  }

  async holds(lease: Lease): Promise<boolean> {
    return Boolean(await this.knex(INSTANCES).where(fenced(lease)).first('id'));
  }
}

/** The where-clause that only matches while the lease is still this one. */
export function fenced(lease: Lease) {
  return {
    id: lease.instanceId,
    lease_owner: lease.owner,
    lease_token: lease.token,
  };
}
