import { Flavor } from '@dbaas/plugin-dbaas-common';
import { EngineSecrets, EngineSpec } from '@dbaas/plugin-dbaas-node';
import { StoredInstance } from '../store/InstanceStore';
import { cleanUpStep } from './cleanUp';
import { deleteStep } from './deletion';
import { reconcileHealth } from './healthReconcile';
import { LifecycleContext, LifecycleOptions } from './lifecycleContext';
import { provisionStep } from './provisioning';
import { recoverStep } from './recovery';
import { operationStep } from './operations';
import { withLease, Work } from './workerLease';

export type { LifecycleOptions } from './lifecycleContext';

/**
 * Drives instances through their lifecycle (provisioning, deletion, recovery) and keeps the
 * health of running ones current. Work on an instance runs under a lease in the store, so any
 * replica can pick up where another stopped and two never work on the same instance.
 */
export class LifecycleController {
  private readonly active = new Map<string, Promise<void>>();
  private readonly kickAgain = new Set<string>();
  private readonly shutdown = new AbortController();
  private readonly lc: LifecycleContext;

  constructor(options: LifecycleOptions) {
    this.lc = new LifecycleContext(options);
  }

  /** Starts work on an instance in the background, unless this replica is on it already. */
  kick(id: string) {
    if (this.shutdown.signal.aborted) return;
    if (this.active.has(id)) {
      // the running work may already be past the change that asked for this kick
      this.kickAgain.add(id);
      return;
    }
    const work = this.work(id)
      .catch(error =>
        this.lc.options.logger.error(
          `Work on instance ${id} stopped: ${error}`,
        ),
      )
      .finally(() => {
        this.active.delete(id);
        if (this.kickAgain.delete(id)) this.kick(id);
      });
    this.active.set(id, work);
  }

  /**
   * Picks up instances nobody works on: after a restart (this replica's own leases at once),
   * or a replica that died (once its lease expired).
   */
  async resumePending() {
    const { store, replicaId } = this.lc.options;
    for (const id of await store.work.listPending(
      replicaId,
      this.runtimeNames(),
    )) {
      if (!this.active.has(id)) this.kick(id);
    }
  }

  /** The janitor: retries the clean-up of failed creates whose retry is due. */
  async cleanUpLeaks() {
    for (const instance of await this.lc.options.store.work.listLeaks({
      dueOnly: true,
      runtimes: this.runtimeNames(),
    })) {
      if (!this.active.has(instance.id)) this.kick(instance.id);
    }
  }

  /** Resolves when the work started so far is done (for tests and shutdown). */
  async idle() {
    while (this.active.size) {
      await Promise.all([...this.active.values()]);
    }
  }

  async stop() {
    this.shutdown.abort();
    await this.idle();
  }

  /**
   * Refreshes the health of running instances and records every change; starts again the
   * servers that are down (after a host restart: run at start-up too).
   */
  async reconcile() {
    await reconcileHealth(this.lc, this.shutdown.signal, id => this.kick(id));
  }

  /** The runtimes this replica has: it picks up only instances on them. */
  private runtimeNames() {
    return this.lc.options.runtimes.list().map(r => r.name);
  }

  engineSpec(instance: StoredInstance, flavor: Flavor): EngineSpec {
    return this.lc.engineSpec(instance, flavor);
  }

  secrets(instance: StoredInstance): EngineSecrets {
    return this.lc.secrets(instance);
  }

  private async work(id: string) {
    const { store, replicaId, leaseMs } = this.lc.options;
    await withLease(
      {
        store,
        instanceId: id,
        replicaId,
        leaseMs,
        shutdown: this.shutdown.signal,
      },
      async work => {
        while (!work.signal.aborted) {
          const instance = await store.getInstance(id).catch(async error => {
            await this.lc.storeTrouble(id, error, work.signal);
            return 'retry' as const;
          });
          if (instance === 'retry') continue;
          if (!instance || !(await this.step(instance, work))) break;
        }
      },
    );
  }

  /** Runs the instance's next step; true when there is more to do. */
  private step(instance: StoredInstance, work: Work) {
    if (instance.status === 'provisioning') {
      return provisionStep(this.lc, instance, work);
    }
    if (instance.status === 'deleting') {
      return deleteStep(this.lc, instance, work);
    }
    if (instance.status === 'recovering') {
      return recoverStep(this.lc, instance, work);
    }
    if (instance.status === 'failed' && instance.cleanupPending) {
      return cleanUpStep(this.lc, instance, work);
    }
    if (
      instance.operation &&
      ['running', 'stopped'].includes(instance.status)
    ) {
      return operationStep(this.lc, instance, work);
    }
    return Promise.resolve(false);
  }
}
