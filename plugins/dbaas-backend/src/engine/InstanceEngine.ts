import { LoggerService } from '@backstage/backend-plugin-api';
import { Fault, Flavor, Phase } from '@dbaas/plugin-dbaas-common';
import { SecretBox, SecretUnreadableError } from '../crypto/SecretBox';
import { RuntimeRegistry } from '../runtimes';
import {
  certificateNames,
  EngineSecrets,
  EngineSpec,
  HostSpec,
  Runtime,
  RuntimeFault,
  StepContext,
} from '@dbaas/plugin-dbaas-node';
import {
  InstancePatch,
  InstanceStore,
  NewEvent,
  StaleInstanceError,
  StoredInstance,
} from '../store/InstanceStore';
import { InstanceCertificates } from '../tls/InstanceCertificates';
import { InstanceNotifier } from './InstanceNotifier';

export interface InstanceEngineOptions {
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

const ACTOR = 'dbaas';

/**
 * Drives instances through their phases. Each step is persisted before and after it runs
 * and every runtime call is idempotent, so any replica can pick up where another stopped;
 * a lease in the store keeps two replicas off the same instance.
 */
export class InstanceEngine {
  private readonly active = new Map<string, Promise<void>>();
  private readonly kickAgain = new Set<string>();
  private readonly flavors: Map<string, Flavor>;
  private readonly shutdown = new AbortController();

  constructor(private readonly options: InstanceEngineOptions) {
    this.flavors = new Map(options.flavors.map(f => [f.id, f]));
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
        this.options.logger.error(`Work on instance ${id} stopped: ${error}`),
      )
      .finally(() => {
        this.active.delete(id);
        if (this.kickAgain.delete(id)) this.kick(id);
      });
    this.active.set(id, work);
  }

  /** Picks up instances nobody works on: after a restart, or a replica that died. */
  async resumePending() {
    for (const id of await this.options.store.listPendingWork()) {
      this.kick(id);
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

  /** Refreshes the health of running instances and records every change. */
  async reconcile() {
    for (const instance of await this.options.store.listInstances({
      statuses: ['running'],
    })) {
      // one instance's failure (an unreadable secret, a throwing runtime) never stops the rest
      await this.reconcileOne(instance).catch(error =>
        this.options.logger.warn(
          `Health check of instance ${instance.id} failed: ${error}`,
        ),
      );
    }
  }

  private async reconcileOne(instance: StoredInstance) {
    const { store } = this.options;
    const runtime = this.options.runtimes.get(instance.runtime);
    const flavor = this.flavors.get(instance.flavorId);
    if (!runtime || !flavor || !instance.hostRef) return;
    const health = await Promise.resolve()
      .then(() =>
        runtime.engine.health(
          instance.hostRef!,
          this.engineSpec(instance, flavor),
          this.secrets(instance),
        ),
      )
      .catch(error => ({
        state: 'unknown' as const,
        message: String(error),
      }));
    if (health.state === instance.health) return;
    const updated = await store.updateInstance(
      instance.id,
      { health: health.state },
      {
        type: 'health',
        message: `health ${instance.health} → ${health.state}${
          health.message ? `: ${health.message}` : ''
        }`,
        actor: ACTOR,
      },
    );
    await this.options.notifier.changed(updated);
  }

  private async work(id: string) {
    const { store, replicaId, leaseMs } = this.options;
    if (!(await store.claim(id, replicaId, leaseMs))) return;
    const lost = new AbortController();
    const renew = setInterval(async () => {
      if (!(await store.claim(id, replicaId, leaseMs).catch(() => false))) {
        lost.abort();
      }
    }, Math.max(1000, leaseMs / 3));
    const signal = AbortSignal.any([lost.signal, this.shutdown.signal]);
    try {
      while (!signal.aborted) {
        const instance = await store.getInstance(id);
        if (!instance || !(await this.step(instance, signal))) break;
      }
    } finally {
      clearInterval(renew);
      await store.release(id, replicaId);
    }
  }

  /** Runs the instance's next step; true when there is more to do. */
  private async step(
    instance: StoredInstance,
    signal: AbortSignal,
  ): Promise<boolean> {
    if (instance.status === 'provisioning')
      return this.provisionStep(instance, signal);
    if (instance.status === 'deleting')
      return this.deleteStep(instance, signal);
    return false;
  }

  private async provisionStep(instance: StoredInstance, signal: AbortSignal) {
    const timedOut =
      instance.deadlineAt &&
      new Date(instance.deadlineAt).getTime() < Date.now();
    try {
      if (timedOut) {
        throw new RuntimeFault(
          'PROVISION_TIMEOUT',
          `provisioning did not finish by ${instance.deadlineAt} (dbaas.provisioning.timeoutSeconds)`,
        );
      }
      const { runtime, flavor } = this.resolve(instance);
      const ctx = this.context(instance, signal);
      switch (instance.phase) {
        case 'requested':
        case 'host_provisioning': {
          if (instance.phase === 'requested') {
            await this.update(
              instance,
              { phase: 'host_provisioning' },
              phaseEvent(
                'host_provisioning',
                `provisioning a host on ${instance.runtime}`,
              ),
            );
          }
          const hostRef = await runtime.host.provision(
            this.hostSpec(instance, flavor),
            ctx,
          );
          await this.update(
            instance,
            { phase: 'host_ready', hostRef },
            phaseEvent('host_ready', `host ready at ${hostRef.address}`),
          );
          return true;
        }
        case 'host_ready':
        case 'engine_deploying': {
          if (instance.phase === 'host_ready' && instance.holdAtHost) {
            // waits for POST /instances/{id}/deploy; the deadline still applies
            return false;
          }
          if (instance.phase === 'host_ready') {
            await this.update(
              instance,
              { phase: 'engine_deploying' },
              phaseEvent(
                'engine_deploying',
                `deploying ${flavor.engine} ${flavor.version}`,
              ),
            );
          }
          const endpoint = await runtime.engine.deploy(
            instance.hostRef!,
            this.engineSpec(instance, flavor),
            await this.secretsWithTls(instance, runtime, flavor, ctx),
            ctx,
          );
          await this.update(
            instance,
            { phase: 'engine_starting', endpoint, health: 'starting' },
            phaseEvent(
              'engine_starting',
              `${flavor.engine} started at ${endpoint.host}:${endpoint.port}; waiting until healthy`,
            ),
          );
          return true;
        }
        case 'engine_starting': {
          const health = await runtime.engine.health(
            instance.hostRef!,
            this.engineSpec(instance, flavor),
            this.secrets(instance),
          );
          if (health.state !== 'healthy') {
            await sleep(this.options.healthPollMs ?? 500, signal);
            return true;
          }
          const ready = await this.update(
            instance,
            {
              status: 'running',
              phase: null,
              health: 'healthy',
              readyAt: new Date().toISOString(),
              deadlineAt: null,
            },
            {
              type: 'status',
              message: 'running: the database accepts connections',
              actor: ACTOR,
            },
          );
          await this.options.notifier.ready(ready);
          return false;
        }
        default:
          throw new RuntimeFault(
            'INTERNAL',
            `unexpected phase ${instance.phase} while provisioning`,
          );
      }
    } catch (error) {
      if (signal.aborted) return false;
      // deleted meanwhile: the next step sees the new status
      if (error instanceof StaleInstanceError) return true;
      await this.fail(instance, error as Error, signal);
      return false;
    }
  }

  /** Records the fault and removes what the create made, so nothing is left half-created. */
  private async fail(
    instance: StoredInstance,
    error: Error,
    signal: AbortSignal,
  ) {
    const unreadable = error instanceof SecretUnreadableError;
    const fault: Fault = {
      phase: instance.phase,
      code: faultCodeOf(error),
      message: error.message,
    };
    this.options.logger.warn(
      `Instance ${instance.id} (${instance.name}) failed in ${fault.phase}: ${fault.code} ${fault.message}`,
    );
    // a key that is missing today may be configured again tomorrow: keep the data
    const cleanup = unreadable
      ? 'nothing was removed'
      : await this.cleanUp(instance, signal);
    const failed = await this.update(
      instance,
      {
        status: 'failed',
        phase: null,
        health: 'unknown',
        fault,
        deadlineAt: null,
      },
      {
        type: 'fault',
        message: `${fault.code}: ${fault.message}${
          cleanup ? ` (cleanup: ${cleanup})` : ''
        }`,
        actor: ACTOR,
        data: { phase: fault.phase, code: fault.code },
      },
    ).catch(e => {
      if (e instanceof StaleInstanceError) return undefined;
      throw e;
    });
    if (failed) await this.options.notifier.failed(failed);
  }

  private async cleanUp(instance: StoredInstance, signal: AbortSignal) {
    try {
      const { runtime, flavor } = this.resolve(instance);
      const hostRef = await this.findHost(instance, runtime);
      if (!hostRef) return undefined;
      const ctx = this.context(instance, signal);
      await runtime.engine.remove(
        hostRef,
        this.engineSpec(instance, flavor),
        ctx,
      );
      await runtime.host.destroy(hostRef, ctx);
      return 'removed the server and its host';
    } catch (error) {
      return `could not remove everything: ${(error as Error).message}`;
    }
  }

  private async deleteStep(instance: StoredInstance, signal: AbortSignal) {
    try {
      const { runtime, flavor } = this.resolve(instance);
      const ctx = this.context(instance, signal);
      const hostRef = await this.findHost(instance, runtime);
      if (instance.phase !== 'host_destroying') {
        if (hostRef) {
          await runtime.engine.remove(
            hostRef,
            this.engineSpec(instance, flavor),
            ctx,
          );
        }
        await this.update(
          instance,
          { phase: 'host_destroying', health: 'unknown' },
          phaseEvent('host_destroying', 'server removed; destroying the host'),
        );
        return true;
      }
      if (hostRef) {
        await runtime.host.destroy(hostRef, ctx);
      }
      await this.update(
        instance,
        {
          status: 'deleted',
          phase: null,
          endpoint: null,
          deletedAt: new Date().toISOString(),
        },
        {
          type: 'status',
          message: 'deleted: server, data and host are gone',
          actor: ACTOR,
        },
      );
      return false;
    } catch (error) {
      if (signal.aborted) return false;
      // stays in `deleting`: the next resume retries
      await this.options.store.appendEvent(instance.id, {
        type: 'fault',
        message: `deleting failed, will retry: ${(error as Error).message}`,
        actor: ACTOR,
      });
      return false;
    }
  }

  /** The recorded host, or one a step made before it could record it (a crash, a delete mid-way). */
  private async findHost(instance: StoredInstance, runtime: Runtime) {
    return instance.hostRef ?? (await runtime.host.find(instance.id));
  }

  private resolve(instance: StoredInstance): {
    runtime: Runtime;
    flavor: Flavor;
  } {
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

  private async update(
    instance: StoredInstance,
    patch: InstancePatch,
    event: NewEvent,
  ) {
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

  private context(instance: StoredInstance, signal: AbortSignal): StepContext {
    return {
      logger: this.options.logger.child({ instanceId: instance.id }),
      signal,
    };
  }

  private hostSpec(instance: StoredInstance, flavor: Flavor): HostSpec {
    return {
      instanceId: instance.id,
      instanceName: instance.name,
      owner: instance.owner,
      flavor,
      storageGiB: instance.storageGiB,
    };
  }

  engineSpec(instance: StoredInstance, flavor: Flavor): EngineSpec {
    const database = databaseName(instance.name);
    return {
      instanceId: instance.id,
      flavor,
      storageGiB: instance.storageGiB,
      database,
      username: `${database}_app`,
    };
  }

  secrets(instance: StoredInstance): EngineSecrets {
    return this.options.secretBox.open<EngineSecrets>(instance.sealedSecrets);
  }

  /**
   * The secrets with a TLS certificate for every name the instance is reached by. One is
   * issued the first time (or when it no longer fits) and stored with the sealed secrets
   * before the engine sees it, so a repeated deploy or a restart serves the same one.
   */
  private async secretsWithTls(
    instance: StoredInstance,
    runtime: Runtime,
    flavor: Flavor,
    ctx: StepContext,
  ): Promise<EngineSecrets> {
    const { certificates, store, secretBox } = this.options;
    if (!certificates || !instance.hostRef) return this.secrets(instance);
    const hostRef = instance.hostRef;
    const names = certificateNames([
      hostRef.address,
      ...(runtime.engine.tlsNames?.(
        hostRef,
        this.engineSpec(instance, flavor),
      ) ?? []),
      'localhost',
      '127.0.0.1',
      '::1',
    ]);
    for (let attempt = 0; ; attempt++) {
      const secrets = this.secrets(instance);
      const { tls, reason } = await certificates.certificateFor(
        secrets.tls,
        names,
      );
      if (!reason) return secrets;
      const withTls = { ...secrets, tls };
      const hostRefText = JSON.stringify(instance.hostRef);
      const sealed = secretBox.seal(withTls);
      if (
        await store.swapSealed(
          {
            id: instance.id,
            secrets: instance.sealedSecrets,
            hostRef: hostRefText,
          },
          { id: instance.id, secrets: sealed, hostRef: hostRefText },
        )
      ) {
        instance.sealedSecrets = sealed;
        ctx.logger.info(
          `TLS certificate issued for ${names.join(', ')} (${reason})`,
        );
        return withTls;
      }
      // sealed again meanwhile (a reseal): read it again
      const fresh = await store.getInstance(instance.id);
      if (!fresh || attempt >= 3) {
        throw new StaleInstanceError(instance.id);
      }
      Object.assign(instance, fresh);
    }
  }
}

/** `orders-db` → `orders_db`: a name every engine takes unquoted. */
export function databaseName(instanceName: string) {
  return instanceName.replace(/-/g, '_');
}

function faultCodeOf(error: Error): Fault['code'] {
  if (error instanceof RuntimeFault) return error.code;
  if (error instanceof SecretUnreadableError) return 'SECRET_UNREADABLE';
  return 'INTERNAL';
}

function phaseEvent(phase: Phase, message: string): NewEvent {
  return {
    type: 'phase',
    message: `${phase}: ${message}`,
    actor: ACTOR,
    data: { phase },
  };
}

function sleep(ms: number, signal: AbortSignal) {
  return new Promise<void>(resolve => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
