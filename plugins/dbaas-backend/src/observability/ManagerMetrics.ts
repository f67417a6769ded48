import type {
  MetricsService,
  MetricsServiceCounter,
  MetricsServiceHistogram,
} from '@backstage/backend-plugin-api/alpha';
import { InstanceStore, LIVE_STATUSES } from '../store/InstanceStore';

/**
 * The Manager's own metrics through Backstage's metrics service (OpenTelemetry): instances by
 * status and runtime, how long day-2 operations and backups take and how they end, and the
 * faults recorded, by code.
 */
export class ManagerMetrics {
  private readonly operations: MetricsServiceHistogram;
  private readonly backups: MetricsServiceHistogram;
  private readonly faults: MetricsServiceCounter;

  constructor(metrics: MetricsService, store: InstanceStore) {
    metrics
      .createObservableGauge('dbaas.instances', {
        description: 'Database instances, by status and runtime',
      })
      .addCallback(async observe => {
        const counts = new Map<string, number>();
        for (const i of await store.listInstances({
          statuses: LIVE_STATUSES,
        })) {
          const key = `${i.status}\u0000${i.runtime}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        for (const [key, count] of counts) {
          const [status, runtime] = key.split('\u0000');
          observe.observe(count, { status, runtime });
        }
      });
    this.operations = metrics.createHistogram('dbaas.operation.duration', {
      description: 'From asking for a day-2 operation to its end',
      unit: 's',
    });
    this.backups = metrics.createHistogram('dbaas.backup.duration', {
      description: 'How long a base backup took, to its end',
      unit: 's',
    });
    this.faults = metrics.createCounter('dbaas.faults', {
      description: 'Faults recorded on instances and backups, by code',
    });
  }

  operationEnded(
    type: string,
    outcome: 'done' | 'failed',
    requestedAt: string,
  ) {
    this.operations.record((Date.now() - Date.parse(requestedAt)) / 1000, {
      operation: type,
      outcome,
    });
  }

  backupEnded(outcome: 'completed' | 'failed', startedAt: string) {
    this.backups.record((Date.now() - Date.parse(startedAt)) / 1000, {
      outcome,
    });
  }

  fault(code: string, where: 'provisioning' | 'operation' | 'backup') {
    this.faults.add(1, { code, where });
  }
}
