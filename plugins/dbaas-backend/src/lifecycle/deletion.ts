import { RuntimeFault } from '@dbaas/plugin-dbaas-node';
import { StoredInstance } from '../store/InstanceStore';
import { ACTOR, LifecycleContext, phaseEvent } from './lifecycleContext';
import { Work } from './workerLease';

/**
 * Runs the next deletion step: the server (and its data), then the host. A failure keeps the
 * instance in `deleting`, due again after a backoff (1 s doubling to 10 min), with one event
 * per distinct error. True when there is more to do.
 */
export async function deleteStep(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
): Promise<boolean> {
  try {
    const { runtime, flavor } = lc.resolve(instance);
    const hostRef = await lc.findHost(instance, runtime, work);
    if (instance.phase !== 'host_destroying') {
      if (hostRef && instance.finalBackup === 'pending') {
        await takeFinalBackup(lc, instance, work);
        return true;
      }
      if (hostRef) {
        await lc.call(instance, work, 'removing the server', ctx =>
          runtime.engine.remove(hostRef, lc.engineSpec(instance, flavor), ctx),
        );
      }
      await lc.update(
        instance,
        work,
        { phase: 'host_destroying', health: 'unknown' },
        phaseEvent('host_destroying', 'server removed; destroying the host'),
      );
      return true;
    }
    if (hostRef) {
      await lc.call(instance, work, 'destroying the host', ctx =>
        runtime.host.destroy(hostRef, ctx),
      );
    }
    // the users and databases inside went with the server
    await lc.options.objects?.removeAll(instance.id);
    await lc.update(
      instance,
      work,
      {
        status: 'deleted',
        phase: null,
        endpoint: null,
        deletedAt: new Date().toISOString(),
        retryAttempts: 0,
        lastError: null,
      },
      {
        type: 'status',
        message: 'deleted: server, data and host are gone',
        actor: ACTOR,
      },
    );
    return false;
  } catch (error) {
    if (work.signal.aborted) return false;
    const message = (error as Error).message;
    await lc.options.store.work
      .scheduleRetry(work.lease, message, {
        type: 'fault',
        message: `deleting failed, will retry: ${message}`,
        actor: ACTOR,
      })
      .catch(() => {});
    return false;
  }
}

/**
 * The backup a deletion takes before the server goes (unless asked to skip it): kept, with the
 * instance's other backups, after the instance is deleted. A failure keeps the instance in
 * `deleting` and is retried; `skipFinalBackup` deletes without one.
 */
async function takeFinalBackup(
  lc: LifecycleContext,
  instance: StoredInstance,
  work: Work,
) {
  const runner = lc.options.backups?.runner;
  if (!runner) {
    throw new RuntimeFault(
      'ENGINE_UNAVAILABLE',
      'this Manager takes no backups; delete with skipFinalBackup',
    );
  }
  const records = lc.options.backups!.records;
  const [running] = await records.list(instance.id, ['running']);
  if (running) {
    // retried with backoff: the final backup starts once this one has ended
    throw new Error(
      `backup ${running.id} is still running; the final backup follows it`,
    );
  }
  if (!work.held()) return;
  const started = await runner.start(instance, 'final', ACTOR);
  await runner.settled(started.id);
  const backup = await records.get(started.id);
  if (backup?.status !== 'completed') {
    throw new RuntimeFault(
      backup?.fault?.code ?? 'INTERNAL',
      `the final backup ${started.id} failed (${
        backup?.fault?.message ?? 'no record'
      }); delete with skipFinalBackup to go on without one`,
    );
  }
  await lc.update(
    instance,
    work,
    { finalBackup: backup.id },
    {
      type: 'operation',
      message: `final backup ${backup.id} completed (${backup.size} bytes); removing the server`,
      actor: ACTOR,
      data: { backupId: backup.id },
    },
  );
}
