import { StoredInstance } from '../store/InstanceStore';
import { ACTOR, LifecycleContext } from './lifecycleContext';

/** Refreshes the health of running instances and records every change. */
export async function reconcileHealth(lc: LifecycleContext) {
  const running = await lc.options.store.listInstances({
    statuses: ['running'],
  });
  for (const instance of running) {
    // one instance's failure (an unreadable secret, a throwing runtime) never stops the rest
    await reconcileOne(lc, instance).catch(error =>
      lc.options.logger.warn(
        `Health check of instance ${instance.id} failed: ${error}`,
      ),
    );
  }
}

async function reconcileOne(lc: LifecycleContext, instance: StoredInstance) {
  const runtime = lc.options.runtimes.get(instance.runtime);
  const flavor = lc.flavor(instance.flavorId);
  if (!runtime || !flavor || !instance.hostRef) return;
  const hostRef = instance.hostRef;
  const health = await Promise.resolve()
    .then(() =>
      runtime.engine.health(
        hostRef,
        lc.engineSpec(instance, flavor),
        lc.secrets(instance),
      ),
    )
    .catch(error => ({ state: 'unknown' as const, message: String(error) }));
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
  );
  await lc.options.notifier.changed(updated);
}
