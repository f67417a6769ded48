import {
  EngineSecrets,
  HostRef,
  Runtime,
  RuntimeFault,
} from '@dbaas/plugin-dbaas-node';
import { StoredInstance } from '../store/InstanceStore';
import { applyParameters, postgresTuning } from './engineParameters';
import { ACTOR, LifecycleContext } from './lifecycleContext';
import { reapplyParameters } from './parameterOperation';
import { startHost } from './hostStart';
import { Work } from './workerLease';
import { WorkAbortedError } from './runtimeCall';

/**
 * A flavor change or an upgrade: the server made again from the new flavor (CPU, memory,
 * tuning; on EC2 first the VM's size) or the flavor's current image, on the same data. An
 * upgrade takes a backup first where the runtime backs up. Every call is idempotent, so a
 * worker that resumes it after a crash runs it again.
 */
export async function replaceServerStep(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
  runtime: Runtime,
  host: HostRef,
  secrets: EngineSecrets,
) {
  const operation = instance.operation!;
  const upgrade = operation.type === 'upgrade';
  const flavorId = upgrade ? instance.flavorId : operation.target!;
  const flavor = lc.flavor(flavorId);
  if (!flavor) {
    throw new RuntimeFault(
      'INTERNAL',
      `flavor '${flavorId}' is no longer configured`,
    );
  }
  if (!runtime.engine.replace) {
    throw new RuntimeFault(
      'ENGINE_UNAVAILABLE',
      `the ${instance.runtime} runtime cannot make its servers again`,
    );
  }
  const spec = lc.engineSpec(instance, flavor);
  if (upgrade) await backupFirst(lc, instance, work, runtime);
  const admin = runtime.engine.admin;
  if (!upgrade && flavor.engine === 'postgresql' && admin) {
    // read at start: the new flavor's memory settings, then the owner's parameters over them
    await lc.call(
      instance,
      work,
      "setting the new flavor's tuning",
      async () => {
        for (const [name, value] of Object.entries(
          postgresTuning(flavor.memoryMiB),
        )) {
          await admin.query(
            host,
            spec,
            secrets,
            `ALTER SYSTEM SET ${name} = ${value}`,
          );
        }
        await applyParameters(
          { admin, host, spec, secrets },
          instance.parameters,
        );
      },
    );
  }
  let hostRef: HostRef | undefined;
  let served = secrets;
  if (!upgrade && runtime.host.changeFlavor) {
    ({ hostRef, secrets: served } = await resizeHost(
      lc,
      instance,
      work,
      runtime,
      host,
      flavor,
      secrets,
    ));
  }
  const on = hostRef ?? host;
  const endpoint = await lc.call(
    instance,
    work,
    'making the server again',
    ctx => runtime.engine.replace!(on, spec, served, ctx),
  );
  await reapplyParameters(lc, instance, work, runtime, on, spec, served);
  const from = upgrade ? instance.image ?? 'its image' : instance.flavorId;
  const to = upgrade ? flavor.image : flavor.id;
  await lc.update(
    instance,
    work,
    {
      flavorId: flavor.id,
      image: flavor.image,
      endpoint,
      operation: null,
      ...(hostRef ? { hostRef } : {}),
    },
    {
      type: 'operation',
      message: `${
        upgrade ? 'upgraded' : 'flavor changed'
      } from ${from} to ${to} as ${operation.requestedBy} asked`,
      actor: ACTOR,
      data: { operation: operation.type, from, to },
    },
  );
  lc.options.managerMetrics?.operationEnded(
    operation.type,
    'done',
    operation.requestedAt,
  );
}

/** The VM's new size: the server and the VM stopped, resized, the VM started again. */
async function resizeHost(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
  runtime: Runtime,
  host: HostRef,
  flavor: NonNullable<ReturnType<LifecycleContext['flavor']>>,
  secrets: EngineSecrets,
) {
  const oldSpec = lc.engineSpec(
    instance,
    lc.flavor(instance.flavorId) ?? flavor,
  );
  const state = await lc.call(instance, work, 'looking at the host', () =>
    runtime.host.describe(host),
  );
  if (!state.stopped) {
    await lc.call(instance, work, 'stopping the server', ctx =>
      runtime.engine.stop(host, oldSpec, ctx),
    );
    if (runtime.host.stop) {
      await lc.call(instance, work, 'stopping the host', ctx =>
        runtime.host.stop!(host, ctx),
      );
    }
  }
  await lc.call(
    instance,
    work,
    `giving the host flavor ${flavor.id}'s size`,
    ctx => runtime.host.changeFlavor!(host, flavor, ctx),
  );
  if (!runtime.host.start) return { secrets };
  return startHost(lc, instance, work, runtime, host, secrets);
}

/**
 * The backup an upgrade starts with, where the runtime backs up: one completed since the
 * upgrade was asked for is enough (a resumed upgrade does not take a second).
 */
async function backupFirst(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
  runtime: Runtime,
) {
  const backups = lc.options.backups;
  if (!runtime.engine.backups || !backups?.runner) return;
  const operation = instance.operation!;
  const done = (await backups.records.list(instance.id, ['completed'])).find(
    b => b.startedAt >= operation.requestedAt,
  );
  if (done) return;
  const [running] = await backups.records.list(instance.id, ['running']);
  if (running) {
    // the store's trouble path retries: the upgrade's backup follows this one
    throw new Error(
      `backup ${running.id} is still running; the upgrade waits for it`,
    );
  }
  if (!work.held()) throw new WorkAbortedError();
  const started = await backups.runner.start(
    instance,
    'manual',
    operation.requestedBy,
  );
  await backups.runner.settled(started.id);
  const backup = await backups.records.get(started.id);
  if (backup?.status !== 'completed') {
    throw new RuntimeFault(
      backup?.fault?.code ?? 'INTERNAL',
      `the backup before the upgrade (${started.id}) failed: ${
        backup?.fault?.message ?? 'no record'
      }; the server was left as it was`,
    );
  }
  await lc.options.store.appendEvent(instance.id, {
    type: 'operation',
    message: `backup ${backup.id} taken before the upgrade`,
    actor: ACTOR,
    data: { backupId: backup.id },
  });
}
