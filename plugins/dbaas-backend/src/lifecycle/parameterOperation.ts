import {
  EngineSecrets,
  EngineSpec,
  HostRef,
  Runtime,
  RuntimeFault,
  sleep,
} from '@dbaas/plugin-dbaas-node';
import { StoredInstance } from '../store/InstanceStore';
import { applyParameters, needsRestart } from './engineParameters';
import { ACTOR, LifecycleContext } from './lifecycleContext';
import { Work } from './workerLease';

/**
 * Gives the server the parameters the operation carries: set and reloaded, and restarted
 * when one of them takes effect only at start; then they are the instance's.
 */
export async function setParametersStep(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
  runtime: Runtime,
  host: HostRef,
  spec: EngineSpec,
  secrets: EngineSecrets,
) {
  const operation = instance.operation!;
  const admin = runtime.engine.admin;
  const wanted = operation.parameters ?? {};
  if (!admin) {
    throw new RuntimeFault(
      'ENGINE_UNAVAILABLE',
      `the ${instance.runtime} runtime cannot set server parameters`,
    );
  }
  const before = instance.parameters;
  const dropped = Object.keys(before).filter(name => !(name in wanted));
  await lc.call(instance, work, 'setting the server parameters', () =>
    applyParameters({ admin, host, spec, secrets }, wanted, dropped),
  );
  const restart = needsRestart(spec.flavor.engine, before, wanted);
  let endpoint;
  if (restart) {
    await lc.call(instance, work, 'stopping the server', ctx =>
      runtime.engine.stop(host, spec, ctx),
    );
    // a restarted container may come back on another published port
    endpoint = await lc.call(instance, work, 'starting the server', ctx =>
      runtime.engine.start(host, spec, secrets, ctx),
    );
    await lc.call(instance, work, 'waiting until healthy', async ctx => {
      for (;;) {
        const health = await runtime.engine.health(host, spec, secrets);
        if (health.state === 'healthy') return;
        await sleep(lc.options.healthPollMs ?? 500, ctx.signal);
      }
    });
  }
  const described = Object.entries(wanted)
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
  await lc.update(
    instance,
    work,
    { parameters: wanted, operation: null, ...(endpoint ? { endpoint } : {}) },
    {
      type: 'operation',
      message: `server parameters set as ${operation.requestedBy} asked${
        restart ? ', with a restart' : ''
      }: ${described || 'all back to their defaults'}`,
      actor: ACTOR,
      data: { operation: operation.type, parameters: wanted },
    },
  );
  lc.options.managerMetrics?.operationEnded(
    operation.type,
    'done',
    operation.requestedAt,
  );
}

/**
 * Sets the instance's parameters again on a server that just started: MariaDB's last only
 * until it stops (PostgreSQL keeps them in postgresql.auto.conf).
 */
export async function reapplyParameters(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
  runtime: Runtime,
  host: HostRef,
  spec: EngineSpec,
  secrets: EngineSecrets,
) {
  const admin = runtime.engine.admin;
  if (
    !admin ||
    spec.flavor.engine === 'postgresql' ||
    !Object.keys(instance.parameters).length
  ) {
    return;
  }
  await lc.call(instance, work, 'setting the server parameters again', () =>
    applyParameters({ admin, host, spec, secrets }, instance.parameters),
  );
}
