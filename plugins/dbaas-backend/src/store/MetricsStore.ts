import { Knex } from 'knex';

const METRICS = 'dbaas_metrics';

/** One sample of a running instance, as the engine reports it. */
export interface MetricsSample {
  connections: number;
  sizeBytes: number;
  /** Committed and rolled back since the server started. */
  transactions: number;
  uptimeSeconds: number;
  /** What the server's files take on its storage; null where the runtime cannot tell. */
  usedBytes?: number | null;
}

export interface StoredSample extends MetricsSample {
  instanceId: string;
  atMs: number;
}

/** The samples the health reconcile takes of running instances, kept a day. */
export class MetricsStore {
  constructor(private readonly knex: Knex) {}

  async record(instanceId: string, atMs: number, sample: MetricsSample) {
    await this.knex(METRICS)
      .insert({
        instance_id: instanceId,
        at_ms: atMs,
        connections: sample.connections,
        size_bytes: sample.sizeBytes,
        transactions: sample.transactions,
        uptime_seconds: sample.uptimeSeconds,
        used_bytes: sample.usedBytes ?? null,
      })
      .onConflict(['instance_id', 'at_ms'])
      .ignore();
  }

  /** The instance's samples since `sinceMs`, oldest first. */
  async list(instanceId: string, sinceMs: number): Promise<StoredSample[]> {
    const rows = await this.knex(METRICS)
      .where({ instance_id: instanceId })
      .andWhere('at_ms', '>=', sinceMs)
      .orderBy('at_ms', 'asc');
    return rows.map(r => ({
      instanceId: r.instance_id,
      atMs: Number(r.at_ms),
      connections: Number(r.connections),
      sizeBytes: Number(r.size_bytes),
      transactions: Number(r.transactions),
      uptimeSeconds: Number(r.uptime_seconds),
      usedBytes:
        r.used_bytes === null || r.used_bytes === undefined
          ? null
          : Number(r.used_bytes),
    }));
  }

  /** Drops samples older than `beforeMs`. */
  async prune(beforeMs: number) {
    await this.knex(METRICS).where('at_ms', '<', beforeMs).delete();
  }
}
