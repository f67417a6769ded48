import { RuntimeFault, sleep } from '@dbaas/plugin-dbaas-node';
import { StaleInstanceError, StoredInstance } from '../store/InstanceStore';
import { hostSpec } from './instanceSpecs';
import { secretsWithTls } from './instanceTls';
import { ACTOR, LifecycleContext, phaseEvent } from './lifecycleContext';
import { failProvisioning } from './provisioningFailure';

/**
 * Runs the next provisioning step: host, then server, then wait until healthy. Each step is
 * recorded before and after it runs, and every runtime call is idempotent, so a replica that
 * picks the instance up after a crash repeats the step safely. True when there is more to do.
 */
export async function provisionStep(
  lc: LifecycleContext,
  instance: StoredInstance,
  signal: AbortSignal,
): Promise<boolean> {
  try {
    if (
      instance.deadlineAt &&
      new Date(instance.deadlineAt).getTime() < Date.now()
    ) {
      throw new RuntimeFault(
        'PROVISION_TIMEOUT',
        `provisioning did not finish by ${instance.deadlineAt} (dbaas.provisioning.timeoutSeconds)`,
      );
    }
    switch (instance.phase) {
      case 'requested':
      case 'host_provisioning':
        return await provisionHost(lc, instance, signal);
      case 'host_ready':
      case 'engine_deploying':
        return await deployServer(lc, instance, signal);
      case 'engine_starting':
        return await awaitHealthy(lc, instance, signal);
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
    await failProvisioning(lc, instance, error as Error, signal);
    return false;
  }
}

async function provisionHost(
  lc: LifecycleContext,
  instance: StoredInstance,
  signal: AbortSignal,
) {
  const { runtime, flavor } = lc.resolve(instance);
  if (instance.phase === 'requested') {
    await lc.update(
      instance,
      { phase: 'host_provisioning' },
      phaseEvent(
        'host_provisioning',
        `provisioning a host on ${instance.runtime}`,
      ),
    );
  }
  const hostRef = await runtime.host.provision(
    hostSpec(instance, flavor),
    lc.stepContext(instance, signal),
  );
  await lc.update(
    instance,
    { phase: 'host_ready', hostRef },
    phaseEvent('host_ready', `host ready at ${hostRef.address}`),
  );
  return true;
}

async function deployServer(
  lc: LifecycleContext,
  instance: StoredInstance,
  signal: AbortSignal,
) {
  const { runtime, flavor } = lc.resolve(instance);
  if (instance.phase === 'host_ready') {
    // waits for POST /instances/{id}/deploy; the deadline still applies
    if (instance.holdAtHost) return false;
    await lc.update(
      instance,
      { phase: 'engine_deploying' },
      phaseEvent(
        'engine_deploying',
        `deploying ${flavor.engine} ${flavor.version}`,
      ),
    );
  }
  const ctx = lc.stepContext(instance, signal);
  const endpoint = await runtime.engine.deploy(
    instance.hostRef!,
    lc.engineSpec(instance, flavor),
    await secretsWithTls(lc, instance, runtime, flavor, ctx),
    ctx,
  );
  await lc.update(
    instance,
    { phase: 'engine_starting', endpoint, health: 'starting' },
    phaseEvent(
      'engine_starting',
      `${flavor.engine} started at ${endpoint.host}:${endpoint.port}; waiting until healthy`,
    ),
  );
  return true;
}

async function awaitHealthy(
  lc: LifecycleContext,
  instance: StoredInstance,
  signal: AbortSignal,
) {
  const { runtime, flavor } = lc.resolve(instance);
  const health = await runtime.engine.health(
    instance.hostRef!,
    lc.engineSpec(instance, flavor),
    lc.secrets(instance),
  );
  if (health.state !== 'healthy') {
    await sleep(lc.options.healthPollMs ?? 500, signal);
    return true;
  }
  const ready = await lc.update(
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
  await lc.options.notifier.ready(ready);
  return false;
}
