import { LoggerService } from '@backstage/backend-plugin-api';
import { Flavor, Phase } from '@dbaas/plugin-dbaas-common';
import {
  BackupStore,
  EngineSecrets,
  EngineSpec,
  Runtime,
  RuntimeFault,
  sleep,
  StepContext,
} from '@dbaas/plugin-dbaas-node';
import { SecretBox } from '../crypto/SecretBox';
import type { Quota } from '../config/readDbaasConfig';
import { RuntimeRegistry } from '../runtimes';
import { BackupRecords } from '../store/BackupRecords';
import { MetricsStore } from '../store/MetricsStore';
import { DatabaseObjects } from '../store/DatabaseObjects';
import type { ManagerMetrics } from '../observability/ManagerMetrics';
import type { BackupRunner } from '../backups/BackupRunner';
import {
  InstancePatch,
  InstanceStore,
  NewEvent,
  StoredInstance,
} from '../store/InstanceStore';
import { InstanceCertificates } from '../tls/InstanceCertificates';
import { engineSpec } from './instanceSpecs';
import { callRuntime } from './runtimeCall';
import { Work } from './workerLease';
import { InstanceNotifier } from './InstanceNotifier';

export interface LifecycleOptions {
  store: InstanceStore;
  runtimes: RuntimeRegistry;
  flavors: Flavor[];
  secretBox: SecretBox;
  notifier: InstanceNotifier;
  logger: LoggerService;
  /** Identifies this backend replica in leases. */
  replicaId: string;
  leaseMs: number;
  healthPollMs?: number;
  /** How long one runtime call may take. Default: 300 s. */
  stepTimeoutMs?: number;
  /** Issues each instance's TLS certificate before its engine is deployed; none: no TLS. */
  certificates?: InstanceCertificates;
  /** The Manager's own metrics (OpenTelemetry); none: not recorded. */
  managerMetrics?: ManagerMetrics;
  /** Where the health reconcile keeps its samples of running instances; none: no metrics. */
  metrics?: MetricsStore;
  /** The users and databases made inside instances; none: they cannot be made. */
  objects?: DatabaseObjects;
  /** Owners' quotas: auto-grow stays within them; none: no limit but the flavor's. */
  quotas?: { default: Quota; owners: Record<string, Quota> };
  /** Where restores read backups from; none: instances cannot be restored. */
  backups?: {
    store: BackupStore;
    records: BackupRecords;
    /** Takes deletions' final backups; none: a final backup fails the deletion step. */
    runner?: BackupRunner;
  };
}

/** The name the Manager's own events are recorded under. */
export const ACTOR = 'dbaas';

/** What every lifecycle step uses: the store, the runtimes, the flavors, the secrets. */
export class LifecycleContext {
  private readonly flavors: Map<string, Flavor>;
  private readonly storeFailures = new Map<string, number>();

  constructor(readonly options: LifecycleOptions) {
    this.flavors = new Map(options.flavors.map(f => [f.id, f]));
  }

  flavor(id: string): Flavor | undefined {
    return this.flavors.get(id);
  }

  /** The instance's runtime and flavor, or the fault that says which one is gone. */
  resolve(instance: StoredInstance): { runtime: Runtime; flavor: Flavor } {
    const runtime = this.options.runtimes.get(instance.runtime);
    if (!runtime) {
      throw new RuntimeFault(
        'HOST_UNAVAILABLE',
        `runtime '${instance.runtime}' is not configured on this backend`,
      );
    }
    const flavor = this.flavors.get(instance.flavorId);
    if (!flavor) {
      throw new RuntimeFault(
        'INTERNAL',
        `flavor '${instance.flavorId}' is no longer configured`,
      );
    }
    return { runtime, flavor };
  }

  /**
   * Records a step's result, only while the status is still the one the step saw and the
   * worker's lease still holds, and tells listeners.
   */
  async update(
    instance: StoredInstance,
    work: Work,
    patch: InstancePatch,
    event: NewEvent,
  ): Promise<StoredInstance> {
    const updated = await this.options.store.updateInstance(
      instance.id,
      patch,
      event,
      { status: instance.status, lease: work.lease },
    );
    Object.assign(instance, updated);
    await this.options.notifier.changed(updated);
    return updated;
  }

  /**
   * Runs one runtime call for the instance under the step time limit, or the instance's
   * deadline while it is provisioning, whichever comes first.
   */
  call<T>(
    instance: StoredInstance,
    work: Work,
    what: string,
    fn: (ctx: StepContext) => Promise<T>,
    /** `deadlineOnly`: a call that grows with the data (a restore) has only the deadline. */
    limit: 'step' | 'deadlineOnly' = 'step',
  ): Promise<T> {
    const stepMs =
      limit === 'step' ? this.options.stepTimeoutMs ?? 300_000 : Infinity;
    const deadlineMs =
      instance.status === 'provisioning' && instance.deadlineAt
        ? new Date(instance.deadlineAt).getTime() - Date.now()
        : Infinity;
    return callRuntime(
      {
        what: `${what} (${instance.runtime})`,
        logger: this.options.logger.child({ instanceId: instance.id }),
        signal: work.signal,
        held: work.held,
        timeoutMs: Math.min(stepMs, deadlineMs),
        timeoutCode: deadlineMs < stepMs ? 'PROVISION_TIMEOUT' : 'TIMEOUT',
      },
      fn,
    );
  }

  engineSpec(instance: StoredInstance, flavor: Flavor): EngineSpec {
    return engineSpec(instance, flavor);
  }

  secrets(instance: StoredInstance): EngineSecrets {
    return this.options.secretBox.open<EngineSecrets>(instance.sealedSecrets);
  }

  /**
   * Waits before the step is tried again after the Manager's own store failed it: 1 s, 2 s, 4 s
   * ... up to 30 s per instance, logging each time. Nothing is failed or removed for it.
   */
  async storeTrouble(instanceId: string, error: Error, signal: AbortSignal) {
    const attempt = (this.storeFailures.get(instanceId) ?? 0) + 1;
    this.storeFailures.set(instanceId, attempt);
    const waitMs = Math.min(30_000, 1000 * 2 ** (attempt - 1));
    this.options.logger.warn(
      `Work on instance ${instanceId} paused: the store failed (${
        error.message
      }); trying again in ${waitMs / 1000} s`,
    );
    await sleep(waitMs, signal);
  }

  storeRecovered(instanceId: string) {
    this.storeFailures.delete(instanceId);
  }

  /** The recorded host, or one a step made before it could record it (a crash, a delete mid-way). */
  async findHost(instance: StoredInstance, runtime: Runtime, work: Work) {
    return (
      instance.hostRef ??
      (await this.call(instance, work, 'looking for the host', () =>
        runtime.host.find(instance.id),
      ))
    );
  }
}

export function phaseEvent(phase: Phase, message: string): NewEvent {
  return {
    type: 'phase',
    message: `${phase}: ${message}`,
    actor: ACTOR,
    data: { phase },
  };
}
