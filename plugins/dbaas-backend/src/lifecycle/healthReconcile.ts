import { EngineHealth, EngineSecrets } from '@dbaas/plugin-dbaas-node';
import { StoredInstance } from '../store/InstanceStore';
import { sampleMetrics } from './metricsSampling';
import { watchStorage } from './storageWatch';
import { ACTOR, LifecycleContext } from './lifecycleContext';
import { markRecovering } from './recovery';
import { callRuntime } from './runtimeCall';

/** A day of samples, for the instance page's charts. */
const METRICS_KEPT_MS = 24 * 3600 * 1000;

/** A health check that takes longer than this answers `unknown`. */
const HEALTH_CHECK_MS = 30_000;

/**
 * Refreshes the health of running instances and records every change, and measures and acts
 * on their storage. One whose server is down (`stopped`) goes to `recovering` and is kicked
 * (handed to a worker), as is a storage resize that auto-grow asks for.
 */
export async function reconcileHealth(
  lc: LifecycleContext,
  signal: AbortSignal,
  kick: (id: string) => void,
) {
  await lc.options.metrics
    ?.prune(Date.now() - METRICS_KEPT_MS)
    .catch(error => lc.options.logger.warn(`Pruning metrics failed: ${error}`));
  const running = await lc.options.store.listInstances({
    statuses: ['running'],
  });
  // an instance with an operation under way is its worker's to watch (a stop looks like a crash)
  for (const instance of running.filter(i => !i.operation)) {
    // one instance's failure (an unreadable secret, a throwing runtime) never stops the rest
    if (signal.aborted) return;
    await reconcileOne(lc, instance, signal, kick).catch(error =>
      lc.options.logger.warn(
        `Health check of instance ${instance.id} failed: ${error}`,
      ),
    );
  }
}

async function reconcileOne(
  lc: LifecycleContext,
  instance: StoredInstance,
  signal: AbortSignal,
  kick: (id: string) => void,
) {
  const runtime = lc.options.runtimes.get(instance.runtime);
  const flavor = lc.flavor(instance.flavorId);
  if (!runtime || !flavor || !instance.hostRef) return;
  const hostRef = instance.hostRef;
  const secrets = lc.secrets(instance);
  const health = await callRuntime(
    {
      what: 'checking health',
      logger: lc.options.logger,
      signal,
      timeoutMs: Math.min(
        HEALTH_CHECK_MS,
        lc.options.stepTimeoutMs ?? Infinity,
      ),
      timeoutCode: 'TIMEOUT',
    },
    () =>
      runtime.engine.health(hostRef, lc.engineSpec(instance, flavor), secrets),
  ).catch(
    (error): EngineHealth => ({
      state: 'unknown',
      message: (error as Error).message,
    }),
  );
  if (health.reason === 'stopped') {
    if (await markRecovering(lc, instance, health)) kick(instance.id);
    return;
  }
  if (health.state === 'healthy') {
    const usedBytes = await watchStorage(
      lc,
      instance,
      runtime,
      flavor,
      hostRef,
      secrets,
      kick,
      signal,
    ).catch(error => {
      lc.options.logger.warn(
        `Measuring the storage of instance ${instance.id} failed: ${error}`,
      );
      return undefined;
    });
    await recordMetrics(lc, instance, secrets, usedBytes);
  }
  if (health.state === instance.health) return;
  const updated = await lc.options.store.updateInstance(
    instance.id,
    { health: health.state },
    {
      type: 'health',
      message: `health ${instance.health} → ${health.state}${
        health.message ? `: ${health.message}` : ''
      }`,
      actor: ACTOR,
    },
    { status: 'running' },
  );
  await lc.options.notifier.changed(updated);
}

/** One sample of a healthy instance; a failure is logged, never the instance's problem. */
async function recordMetrics(
  lc: LifecycleContext,
  instance: StoredInstance,
  secrets: EngineSecrets,
  usedBytes: number | undefined,
) {
  const { metrics, logger } = lc.options;
  if (!metrics || !instance.endpoint) return;
  try {
    const sample = await sampleMetrics({
      engine: instance.engine,
      endpoint: instance.endpoint,
      password: secrets.password,
      tls: secrets.tls,
    });
    await metrics.record(instance.id, Date.now(), {
      ...sample,
      usedBytes: usedBytes ?? null,
    });
  } catch (error) {
    logger.debug(
      `Sampling metrics of instance ${instance.id} failed: ${error}`,
    );
  }
}
