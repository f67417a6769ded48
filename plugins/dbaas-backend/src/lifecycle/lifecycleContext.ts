import { LoggerService } from '@backstage/backend-plugin-api';
import { Flavor, Phase } from '@dbaas/plugin-dbaas-common';
import {
  EngineSecrets,
  EngineSpec,
  Runtime,
  RuntimeFault,
  StepContext,
} from '@dbaas/plugin-dbaas-node';
import { SecretBox } from '../crypto/SecretBox';
import { RuntimeRegistry } from '../runtimes';
import {
  InstancePatch,
  InstanceStore,
  NewEvent,
  StoredInstance,
} from '../store/InstanceStore';
import { InstanceCertificates } from '../tls/InstanceCertificates';
import { engineSpec } from './instanceSpecs';
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
  /** Issues each instance's TLS certificate before its engine is deployed; none: no TLS. */
  certificates?: InstanceCertificates;
}

/** The name the Manager's own events are recorded under. */
export const ACTOR = 'dbaas';

/** What every lifecycle step uses: the store, the runtimes, the flavors, the secrets. */
export class LifecycleContext {
  private readonly flavors: Map<string, Flavor>;

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

  /** Records a step's result (only if the status is still the one the step saw) and tells listeners. */
  async update(
    instance: StoredInstance,
    patch: InstancePatch,
    event: NewEvent,
  ): Promise<StoredInstance> {
    const updated = await this.options.store.updateInstance(
      instance.id,
      patch,
      event,
      instance.status,
    );
    Object.assign(instance, updated);
    await this.options.notifier.changed(updated);
    return updated;
  }

  stepContext(instance: StoredInstance, signal: AbortSignal): StepContext {
    return {
      logger: this.options.logger.child({ instanceId: instance.id }),
      signal,
    };
  }

  engineSpec(instance: StoredInstance, flavor: Flavor): EngineSpec {
    return engineSpec(instance, flavor);
  }

  secrets(instance: StoredInstance): EngineSecrets {
    return this.options.secretBox.open<EngineSecrets>(instance.sealedSecrets);
  }

  /** The recorded host, or one a step made before it could record it (a crash, a delete mid-way). */
  async findHost(instance: StoredInstance, runtime: Runtime) {
    return instance.hostRef ?? (await runtime.host.find(instance.id));
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
