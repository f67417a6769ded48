import { LoggerService } from '@backstage/backend-plugin-api';
import { Flavor } from '@dbaas/plugin-dbaas-common';
import {
  BackupStore,
  EngineBackups,
  EngineSpec,
  HostRef,
  Runtime,
  RuntimeFault,
} from '@dbaas/plugin-dbaas-node';
import { SecretBox } from '../crypto/SecretBox';
import type { ManagerMetrics } from '../observability/ManagerMetrics';
import { engineSpec } from '../lifecycle/instanceSpecs';
import { RuntimeRegistry } from '../runtimes';
import { BackupRecords } from '../store/BackupRecords';
import { InstanceStore, StoredInstance } from '../store/InstanceStore';

/** What the backup side of the Manager works with. */
export interface BackupDeps {
  store: BackupStore;
  records: BackupRecords;
  instances: InstanceStore;
  runtimes: RuntimeRegistry;
  flavors: Flavor[];
  secretBox: SecretBox;
  logger: LoggerService;
  /** The Manager's own metrics; none: not recorded. */
  managerMetrics?: ManagerMetrics;
  /** Identifies this replica in the leases of running backups. */
  replicaId: string;
  leaseMs: number;
}

/** The instance's runtime with its engine's backups, its host and spec; a fault when it has none. */
export function backupTarget(
  deps: Pick<BackupDeps, 'runtimes' | 'flavors'>,
  instance: StoredInstance,
): {
  runtime: Runtime;
  backups: EngineBackups;
  host: HostRef;
  spec: EngineSpec;
} {
  const runtime = deps.runtimes.get(instance.runtime);
  const flavor = deps.flavors.find(f => f.id === instance.flavorId);
  if (!runtime || !flavor) {
    throw new RuntimeFault(
      'HOST_UNAVAILABLE',
      `runtime '${instance.runtime}' or flavor '${instance.flavorId}' is not configured on this backend`,
    );
  }
  const backups = runtime.engine.backups;
  if (!backups) {
    throw new RuntimeFault(
      'ENGINE_UNAVAILABLE',
      `the ${instance.runtime} runtime cannot back up databases yet`,
    );
  }
  if (!instance.hostRef) {
    throw new RuntimeFault(
      'HOST_UNAVAILABLE',
      `${instance.name} has no host to back up`,
    );
  }
  return {
    runtime,
    backups,
    host: instance.hostRef,
    spec: engineSpec(instance, flavor),
  };
}

/** Runs calls for one key one after another (a replica's shipping and backups of one instance). */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(fn);
    this.tails.set(key, next);
    next
      .finally(() => {
        if (this.tails.get(key) === next) this.tails.delete(key);
      })
      .catch(() => {});
    return next;
  }
}
