import { Fault } from '@dbaas/plugin-dbaas-common';
import {
  EngineHealth,
  EngineSecrets,
  EngineSpec,
  HostRef,
  Runtime,
  RuntimeFault,
  sleep,
} from '@dbaas/plugin-dbaas-node';
import { SecretUnreadableError } from '../crypto/SecretBox';
import {
  LeaseLostError,
  StaleInstanceError,
  StoredInstance,
} from '../store/InstanceStore';
import { secretsWithTls } from './instanceTls';
import { ACTOR, LifecycleContext } from './lifecycleContext';
import { handleStepError } from './stepErrors';
import { Work } from './workerLease';
import { reapplyParameters } from './parameterOperation';

/** Starts tried before the instance fails, and the wait after each failed one. */
const START_ATTEMPTS = 3;
const START_RETRY_MS = 2_000;
/** How long a started server may take to answer its health check. */
const HEALTHY_WITHIN_MS = 120_000;

/**
 * Moves a running instance whose server is down (its runtime reports it `stopped`: a host
 * restart, a crash) to `recovering`, for a worker to start it again. False when the instance
 * changed meanwhile.
 */
export async function markRecovering(
  lc: LifecycleContext,
  instance: StoredInstance,
  health: EngineHealth,
): Promise<boolean> {
  const updated = await lc.options.store
    .updateInstance(
      instance.id,
      { status: 'recovering', health: 'unhealthy' },
      {
        type: 'status',
        message: `recovering: ${
          health.message ?? 'the server is down'
        }; starting it again`,
        actor: ACTOR,
      },
      // a server down because an operation stops it is that operation's
      { status: 'running', noOperation: true },
    )
    .catch(error => {
      if (error instanceof StaleInstanceError) return undefined;
      throw error;
    });
  if (updated) await lc.options.notifier.changed(updated);
  return Boolean(updated);
}

/**
 * The step for `recovering`: starts the server again with its data, on its port, and waits
 * until it answers; then `running` again. A server that cannot start (after a few tries) or
 * never answers fails the instance with a typed fault and keeps its data. True when there is
 * more to do.
 */
export async function recoverStep(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
): Promise<boolean> {
  try {
    const { runtime, flavor } = lc.resolve(instance);
    const hostRef = instance.hostRef;
    if (!hostRef) {
      throw new RuntimeFault('INTERNAL', 'the instance has no host recorded');
    }
    const spec = lc.engineSpec(instance, flavor);
    const secrets = await secretsWithTls(lc, instance, runtime, flavor);
    const moved = await startServer(lc, instance, work, {
      runtime,
      hostRef,
      spec,
      secrets,
    });
    await awaitHealthy(lc, instance, work, { runtime, hostRef, spec, secrets });
    await reapplyParameters(
      lc,
      instance,
      work,
      runtime,
      hostRef,
      spec,
      secrets,
    );
    const endpoint = moved || instance.endpoint;
    const at = endpoint ? ` on ${endpoint.host}:${endpoint.port}` : '';
    await lc.update(
      instance,
      work,
      { status: 'running', health: 'healthy', ...(moved ? { endpoint } : {}) },
      {
        type: 'status',
        message: `recovered: ${flavor.engine} started again${at} with its data; running`,
        actor: ACTOR,
      },
    );
    lc.storeRecovered(instance.id);
    return false;
  } catch (error) {
    return handleStepError(lc, instance, work, error, fault =>
      failRecovery(lc, instance, fault, work),
    );
  }
}

interface Server {
  runtime: Runtime;
  hostRef: HostRef;
  spec: EngineSpec;
  secrets: EngineSecrets;
}

async function startServer(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
  s: Server,
) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await lc.call(instance, work, 'starting the server', ctx =>
        s.runtime.engine.start(s.hostRef, s.spec, s.secrets, ctx),
      );
    } catch (error) {
      if (!(error instanceof RuntimeFault) || attempt >= START_ATTEMPTS) {
        throw error;
      }
      lc.options.logger.warn(
        `Starting the server of instance ${instance.id} failed (attempt ${attempt} of ${START_ATTEMPTS}), trying again: ${error.message}`,
      );
      await sleep(START_RETRY_MS * attempt, work.signal);
    }
  }
}

async function awaitHealthy(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
  s: Server,
) {
  const until = Date.now() + HEALTHY_WITHIN_MS;
  for (;;) {
    const health = await lc.call(instance, work, 'checking health', () =>
      s.runtime.engine.health(s.hostRef, s.spec, s.secrets),
    );
    if (health.state === 'healthy') return;
    if (Date.now() >= until) {
      throw new RuntimeFault(
        'ENGINE_TIMEOUT',
        `the server was started again but did not answer within ${
          HEALTHY_WITHIN_MS / 1000
        } s: ${health.message ?? health.state}`,
      );
    }
    await sleep(lc.options.healthPollMs ?? 500, work.signal);
  }
}

/** Records the fault; the data stays (deleting the instance removes it). */
async function failRecovery(
  lc: LifecycleContext,
  instance: StoredInstance,
  error: RuntimeFault | SecretUnreadableError,
  work: Work,
) {
  const fault: Fault = {
    phase: null,
    code: error instanceof RuntimeFault ? error.code : 'SECRET_UNREADABLE',
    message: error.message,
  };
  lc.options.logger.warn(
    `Instance ${instance.id} (${instance.name}) could not be recovered: ${fault.code} ${fault.message}`,
  );
  const failed = await lc
    .update(
      instance,
      work,
      {
        status: 'failed',
        health: 'unhealthy',
        fault,
        cleanupPending: false,
        operation: null,
        pendingSecrets: null,
      },
      {
        type: 'fault',
        message: `${fault.code}: recovering failed: ${fault.message} (the data is kept)`,
        actor: ACTOR,
        data: { code: fault.code },
      },
    )
    .catch(e => {
      if (e instanceof StaleInstanceError || e instanceof LeaseLostError) {
        return undefined;
      }
      throw e;
    });
  if (failed) await lc.options.notifier.failed(failed);
}
