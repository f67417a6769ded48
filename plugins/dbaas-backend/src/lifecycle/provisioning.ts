import { Endpoint } from '@dbaas/plugin-dbaas-common';
import {
  EngineSecrets,
  Runtime,
  RuntimeFault,
  sleep,
} from '@dbaas/plugin-dbaas-node';
import { restoreInstance } from '../backups/restoreInstance';
import { adoptPoolMember } from '../pool/poolAdoption';
import { StoredInstance } from '../store/InstanceStore';
import { hostSpec } from './instanceSpecs';
import { secretsWithTls } from './instanceTls';
import { ACTOR, LifecycleContext, phaseEvent } from './lifecycleContext';
import { failProvisioning } from './provisioningFailure';
import { handleStepError } from './stepErrors';
import { Work } from './workerLease';

/**
 * Runs the next provisioning step: host, then server, then wait until healthy. Each step is
 * recorded before and after it runs, and every runtime call is idempotent, so a replica that
 * picks the instance up after a crash repeats the step safely. True when there is more to do.
 */
export async function provisionStep(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
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
    let more: boolean;
    switch (instance.phase) {
      case 'requested':
      case 'host_provisioning':
        more = await provisionHost(lc, instance, work);
        break;
      case 'host_ready':
      case 'engine_deploying':
        more = await deployServer(lc, instance, work);
        break;
      case 'engine_starting':
        more = await awaitHealthy(lc, instance, work);
        break;
      default:
        throw new RuntimeFault(
          'INTERNAL',
          `unexpected phase ${instance.phase} while provisioning`,
        );
    }
    lc.storeRecovered(instance.id);
    return more;
  } catch (error) {
    return handleStepError(lc, instance, work, error, fault =>
      failProvisioning(lc, instance, fault, work),
    );
  }
}

async function provisionHost(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
) {
  const { runtime, flavor } = lc.resolve(instance);
  if (instance.phase === 'requested') {
    await lc.update(
      instance,
      work,
      { phase: 'host_provisioning' },
      phaseEvent(
        'host_provisioning',
        `provisioning a host on ${instance.runtime}`,
      ),
    );
  }
  const hostRef = await lc.call(instance, work, 'provisioning the host', ctx =>
    runtime.host.provision(hostSpec(instance, flavor), ctx),
  );
  await lc.update(
    instance,
    work,
    { phase: 'host_ready', hostRef },
    phaseEvent('host_ready', `host ready at ${hostRef.address}`),
  );
  return true;
}

async function deployServer(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
) {
  const { runtime, flavor } = lc.resolve(instance);
  if (instance.phase === 'host_ready') {
    // waits for POST /instances/{id}/deploy; the deadline still applies
    if (instance.holdAtHost) return false;
    await lc.update(
      instance,
      work,
      { phase: 'engine_deploying' },
      phaseEvent(
        'engine_deploying',
        `deploying ${flavor.engine} ${flavor.version}`,
      ),
    );
  }
  const secrets = await secretsWithTls(lc, instance, runtime, flavor);
  if (instance.restoreFrom && !instance.restoreFrom.restoredAt) {
    await restoreData(lc, instance, work, runtime, secrets);
  }
  if (instance.fromPool) {
    await lc.call(
      instance,
      work,
      'taking over the warm pool server',
      async ctx => {
        const spec = lc.engineSpec(instance, flavor);
        const adopt = () =>
          adoptPoolMember(
            runtime.engine.admin!,
            instance.hostRef!,
            spec,
            secrets,
          );
        await adopt().catch(async () => {
          // a member whose server stopped while it waited (a host restart): started, it is taken over
          await runtime.engine.start(instance.hostRef!, spec, secrets, ctx);
          await adopt();
        });
      },
    );
  }
  const endpoint = await lc.call(instance, work, 'deploying the server', ctx =>
    runtime.engine.deploy(
      instance.hostRef!,
      lc.engineSpec(instance, flavor),
      secrets,
      ctx,
    ),
  );
  // a server usually answers once deployed: then one write takes the instance to running
  const health = runtime.engine.deployAnswers
    ? { state: 'healthy' as const }
    : await lc.call(instance, work, 'checking health', () =>
        runtime.engine.health(
          instance.hostRef!,
          lc.engineSpec(instance, flavor),
          secrets,
        ),
      );
  if (health.state === 'healthy') {
    await markRunning(lc, instance, work, endpoint);
    return false;
  }
  await lc.update(
    instance,
    work,
    { phase: 'engine_starting', endpoint, health: 'starting' },
    phaseEvent(
      'engine_starting',
      `${flavor.engine} started at ${endpoint.host}:${endpoint.port}; waiting until healthy`,
    ),
  );
  return true;
}

/** A restore fills the new host from the source's backup before the server is deployed. */
async function restoreData(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
  runtime: Runtime,
  secrets: EngineSecrets,
) {
  const source = instance.restoreFrom!;
  const backups = lc.options.backups;
  if (!backups || !runtime.engine.backups) {
    throw new RuntimeFault(
      'ENGINE_UNAVAILABLE',
      `the ${instance.runtime} runtime cannot restore backups`,
    );
  }
  const as = source.targetTime ? ` as of ${source.targetTime}` : '';
  await lc.options.store.appendEvent(instance.id, {
    type: 'operation',
    message: `restoring from backup ${source.backupId}${as}`,
    actor: ACTOR,
    data: { ...source },
  });
  const { flavor } = lc.resolve(instance);
  const result = await lc.call(
    instance,
    work,
    'restoring the backup',
    ctx =>
      restoreInstance(
        backups,
        source,
        {
          backups: runtime.engine.backups!,
          host: instance.hostRef!,
          spec: lc.engineSpec(instance, flavor),
          secrets,
        },
        ctx,
      ),
    'deadlineOnly',
  );
  const admin = runtime.engine.admin;
  if (admin && flavor.engine === 'postgresql') {
    // the source's ALTER SYSTEM settings came along in its data directory (its parameters, a
    // read-only mark set because its storage was full): the new instance starts from none
    await lc.call(
      instance,
      work,
      "clearing the source's server settings",
      async () => {
        const target = {
          host: instance.hostRef!,
          spec: lc.engineSpec(instance, flavor),
          secrets,
        };
        await admin.query(
          target.host,
          target.spec,
          target.secrets,
          'ALTER SYSTEM RESET ALL',
        );
        await admin.query(
          target.host,
          target.spec,
          target.secrets,
          'SELECT pg_reload_conf()',
        );
      },
    );
  }
  const last = result.lastTransactionAt?.toISOString();
  await lc.update(
    instance,
    work,
    {
      restoreFrom: { ...source, restoredAt: new Date().toISOString() },
    },
    {
      type: 'operation',
      message: `restored from backup ${source.backupId}${
        last ? `; the last transaction replayed committed at ${last}` : ''
      }`,
      actor: ACTOR,
      data: { ...source, lastTransactionAt: last ?? null },
    },
  );
}

async function awaitHealthy(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
) {
  const { runtime, flavor } = lc.resolve(instance);
  const secrets = lc.secrets(instance);
  const health = await lc.call(instance, work, 'checking health', () =>
    runtime.engine.health(
      instance.hostRef!,
      lc.engineSpec(instance, flavor),
      secrets,
    ),
  );
  if (health.state !== 'healthy') {
    await sleep(lc.options.healthPollMs ?? 500, work.signal);
    return true;
  }
  await markRunning(lc, instance, work, instance.endpoint!);
  return false;
}

async function markRunning(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
  endpoint: Endpoint,
) {
  const { flavor } = lc.resolve(instance);
  const ready = await lc.update(
    instance,
    work,
    {
      status: 'running',
      phase: null,
      endpoint,
      health: 'healthy',
      readyAt: new Date().toISOString(),
      deadlineAt: null,
      image: flavor.image,
    },
    {
      type: 'status',
      message: `running: ${flavor.engine} accepts connections at ${endpoint.host}:${endpoint.port}`,
      actor: ACTOR,
    },
  );
  await lc.options.notifier.ready(ready);
}
