import { Endpoint, PendingOperation } from '@dbaas/plugin-dbaas-common';
import {
  engineAnswers,
  EngineSecrets,
  EngineSpec,
  HostRef,
  Runtime,
  RuntimeFault,
  sleep,
} from '@dbaas/plugin-dbaas-node';
import { rotateOwnPassword } from './passwordRotation';
import { resizeStorage } from './storageResize';
import { replaceServerStep } from './serverReplacement';
import { reapplyParameters, setParametersStep } from './parameterOperation';
import { OBJECT_OPERATIONS, objectOperation } from './objectOperations';
import { StoredInstance } from '../store/InstanceStore';
import { ACTOR, LifecycleContext } from './lifecycleContext';
import { handleStepError } from './stepErrors';
import { secretsWithTls } from './instanceTls';
import { startHost } from './hostStart';
import { Work } from './workerLease';

/**
 * Runs the day-2 operation asked of an instance (stop, start, restart) under its lease. Every
 * runtime call it makes is idempotent, so a replica that picks the operation up after a crash
 * simply runs it again. A failure leaves the instance as it was (running or stopped), with a
 * typed fault in its timeline. True when there is more to do.
 */
export async function operationStep(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
): Promise<boolean> {
  const operation = instance.operation!;
  // left to a replica that has the instance's runtime (resumePending hands it over)
  if (!lc.options.runtimes.get(instance.runtime)) return false;
  try {
    const { runtime, flavor } = lc.resolve(instance);
    const host = instance.hostRef;
    if (!host) {
      throw new RuntimeFault(
        'HOST_UNAVAILABLE',
        `${instance.name} has no host`,
      );
    }
    const spec = lc.engineSpec(instance, flavor);
    // a start renews the certificate when due, as a deploy does
    let secrets =
      operation.type === 'stop'
        ? lc.secrets(instance)
        : await secretsWithTls(lc, instance, runtime, flavor);
    if (operation.type === 'rotate-credentials') {
      await rotateCredentials(lc, instance, work);
      return false;
    }
    if ((OBJECT_OPERATIONS as readonly string[]).includes(operation.type)) {
      await objectOperation(lc, instance, work, runtime, host, spec, secrets);
      return false;
    }
    if (operation.type === 'change-flavor' || operation.type === 'upgrade') {
      await replaceServerStep(lc, instance, work, runtime, host, secrets);
      return false;
    }
    if (operation.type === 'set-parameters') {
      await setParametersStep(lc, instance, work, runtime, host, spec, secrets);
      return false;
    }
    if (operation.type === 'resize-storage') {
      await resizeStorage(lc, instance, work, runtime, host, spec, secrets);
      return false;
    }
    if (operation.type === 'stop') {
      await stopServer(lc, instance, work, runtime, host, spec);
      if (runtime.host.stop) {
        await lc.call(instance, work, 'stopping the host', ctx =>
          runtime.host.stop!(host, ctx),
        );
      }
      await done(lc, instance, work, operation, 'stopped', 'unknown');
      return false;
    }
    // a restart keeps the host running: only the server stops and starts
    if (operation.type === 'restart') {
      await lc.call(instance, work, 'stopping the server', ctx =>
        runtime.engine.stop(host, spec, ctx),
      );
    }
    let started = host;
    let hostRef: HostRef | undefined;
    if (operation.type === 'start' && runtime.host.start) {
      // a started host may come back changed (a new address): the engine uses the new one
      ({ hostRef, secrets } = await startHost(
        lc,
        instance,
        work,
        runtime,
        host,
        secrets,
      ));
      started = hostRef ?? host;
    }
    const endpoint = await lc.call(instance, work, 'starting the server', ctx =>
      runtime.engine.start(started, spec, secrets, ctx),
    );
    await lc.call(instance, work, 'waiting until healthy', async ctx => {
      for (;;) {
        const health = await runtime.engine.health(started, spec, secrets);
        if (health.state === 'healthy') return;
        await sleep(lc.options.healthPollMs ?? 500, ctx.signal);
      }
    });
    await reapplyParameters(
      lc,
      instance,
      work,
      runtime,
      started,
      spec,
      secrets,
    );
    await done(lc, instance, work, operation, 'running', 'healthy', {
      endpoint,
      hostRef,
    });
    return false;
  } catch (error) {
    return handleStepError(lc, instance, work, error, async fault => {
      const code =
        fault instanceof RuntimeFault ? fault.code : 'SECRET_UNREADABLE';
      lc.options.managerMetrics?.operationEnded(
        operation.type,
        'failed',
        operation.requestedAt,
      );
      lc.options.managerMetrics?.fault(code, 'operation');
      await lc.update(
        instance,
        work,
        { operation: null, pendingSecrets: null },
        {
          type: 'fault',
          message: `${operation.type} failed: ${fault.message}`,
          actor: ACTOR,
          data: {
            operation: operation.type,
            code:
              fault instanceof RuntimeFault ? fault.code : 'SECRET_UNREADABLE',
          },
        },
      );
    });
  }
}

/**
 * Stops the server, unless the host is already stopped: a stop resumed after a crash that
 * came after the host stopped cannot reach the server, and need not.
 */
async function stopServer(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
  runtime: Runtime,
  host: HostRef,
  spec: EngineSpec,
) {
  if (runtime.host.stop) {
    const state = await lc.call(instance, work, 'looking at the host', () =>
      runtime.host.describe(host),
    );
    if (state.stopped) return;
  }
  await lc.call(instance, work, 'stopping the server', ctx =>
    runtime.engine.stop(host, spec, ctx),
  );
}

/** Puts the pending secrets in place on the engine, then makes them the instance's. */
async function rotateCredentials(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
) {
  const operation = instance.operation!;
  if (!instance.pendingSecrets || !instance.endpoint) {
    throw new RuntimeFault(
      'INTERNAL',
      'the rotation has no new password or the instance no endpoint',
    );
  }
  const current = lc.secrets(instance);
  const next = lc.options.secretBox.open<EngineSecrets>(
    instance.pendingSecrets,
  );
  const endpoint = instance.endpoint;
  const works = (password: string) =>
    engineAnswers(instance.engine, endpoint, password, 5000, current.tls);
  try {
    await lc.call(instance, work, 'setting the new password', () =>
      rotateOwnPassword({
        engine: instance.engine,
        endpoint,
        tls: current.tls,
        current: current.password,
        next: next.password,
      }),
    );
  } catch (error) {
    // the change may have landed (a lost answer, a time limit): which password works now?
    if (!(await works(next.password))) {
      if (await works(current.password)) throw error;
      // neither answers (the server is away): keep both and try again later
      throw new Error(
        `neither the current nor the new password is accepted right now; trying again`,
      );
    }
  }
  const updated = await lc.update(
    instance,
    work,
    {
      sealedSecrets: instance.pendingSecrets,
      pendingSecrets: null,
      operation: null,
    },
    {
      type: 'operation',
      // who asked, never the secret
      message: `credentials rotated as ${operation.requestedBy} asked: the old password no longer works`,
      actor: ACTOR,
      data: { operation: operation.type },
    },
  );
  lc.options.managerMetrics?.operationEnded(
    operation.type,
    'done',
    operation.requestedAt,
  );
  await lc.options.notifier.changed(updated);
}

async function done(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
  operation: PendingOperation,
  status: 'running' | 'stopped',
  health: 'healthy' | 'unknown',
  changed: { endpoint?: Endpoint | void; hostRef?: HostRef } = {},
) {
  const { endpoint, hostRef } = changed;
  const words: Record<PendingOperation['type'], string> = {
    stop: 'stopped',
    start: 'started',
    restart: 'restarted',
    'rotate-credentials': 'rotated',
    'resize-storage': 'resized',
    'create-user': 'done',
    'delete-user': 'done',
    'create-database': 'done',
    'delete-database': 'done',
    'set-parameters': 'done',
    'change-flavor': 'done',
    upgrade: 'upgraded',
  };
  const updated = await lc.update(
    instance,
    work,
    {
      status,
      health,
      operation: null,
      ...(endpoint ? { endpoint } : {}),
      ...(hostRef ? { hostRef } : {}),
    },
    {
      type: 'status',
      message: `${status}: ${words[operation.type]} as ${
        operation.requestedBy
      } asked`,
      actor: ACTOR,
      data: { operation: operation.type },
    },
  );
  lc.options.managerMetrics?.operationEnded(
    operation.type,
    'done',
    operation.requestedAt,
  );
  await lc.options.notifier.changed(updated);
}
