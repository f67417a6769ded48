import { Client } from 'pg';

interface Held {
  owner: string;
  token: number;
  until: number;
  renewedAt: number;
}

/**
 * Watches every lease in the store from outside (a poll every `everyMs`): when an owner renews
 * (lease_until_ms moves), and when a lease passes to another replica. For the reliability
 * tests' diagnostics: a replica that works but stops renewing shows up here.
 */
export class LeaseWatch {
  private readonly held = new Map<string, Held>();
  private timer?: NodeJS.Timeout;
  private polling = false;
  /** Per owner: the longest time between two renewals of one lease, in ms. */
  readonly longestGap = new Map<string, number>();
  /** Leases that passed from a replica not in `dead` to another one. */
  readonly handovers: string[] = [];

  constructor(
    private readonly store: Client,
    private readonly dead: () => string[],
  ) {}

  start(everyMs = 250) {
    this.timer = setInterval(() => this.poll().catch(() => {}), everyMs);
    return this;
  }

  stop() {
    clearInterval(this.timer);
  }

  private async poll() {
    if (this.polling) return;
    this.polling = true;
    try {
      const now = Date.now();
      const { rows } = await this.store.query(
        'SELECT id, lease_owner, lease_token, lease_until_ms FROM dbaas_instances WHERE lease_owner IS NOT NULL',
      );
      // a lease released is no longer anybody's: whoever claims it next takes nothing over
      const holding = new Set(rows.map(r => r.id));
      for (const id of [...this.held.keys()]) {
        if (!holding.has(id)) this.held.delete(id);
      }
      for (const r of rows) {
        const token = Number(r.lease_token);
        const until = Number(r.lease_until_ms);
        const before = this.held.get(r.id);
        if (!before || before.token !== token) {
          if (
            before &&
            before.owner !== r.lease_owner &&
            !this.dead().includes(before.owner.split(':')[0])
          ) {
            this.handovers.push(
              `${r.id}: ${before.owner} (last renewed ${
                now - before.renewedAt
              } ms before) -> ${r.lease_owner}`,
            );
          }
          this.held.set(r.id, {
            owner: r.lease_owner,
            token,
            until,
            renewedAt: now,
          });
          continue;
        }
        if (until !== before.until) {
          const gap = now - before.renewedAt;
          this.longestGap.set(
            before.owner,
            Math.max(this.longestGap.get(before.owner) ?? 0, gap),
          );
          before.until = until;
          before.renewedAt = now;
        }
      }
    } finally {
      this.polling = false;
    }
  }

  summary() {
    return `longest gap between renewals: ${[...this.longestGap]
      .map(([owner, ms]) => `${owner} ${ms} ms`)
      .join(', ')}; ${this.handovers.length} leases passed from a live replica${
      this.handovers.length ? ` (e.g. ${this.handovers[0]})` : ''
    }`;
  }
}
