import {
  coreServices,
  createServiceFactory,
  SchedulerService,
  SchedulerServiceTaskInvocationDefinition,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';

type Task = SchedulerServiceTaskScheduleDefinition &
  SchedulerServiceTaskInvocationDefinition;

function durationMs(frequency: Task['frequency']): number {
  if ('cron' in frequency || 'trigger' in frequency) return 60_000;
  if (typeof frequency === 'string') return 60_000; // ISO durations: not used by the Manager
  const d = frequency as Partial<
    Record<'milliseconds' | 'seconds' | 'minutes' | 'hours' | 'days', number>
  >;
  return (
    (d.milliseconds ?? 0) +
    (d.seconds ?? 0) * 1000 +
    (d.minutes ?? 0) * 60_000 +
    (d.hours ?? 0) * 3_600_000 +
    (d.days ?? 0) * 86_400_000
  );
}

/**
 * A scheduler for backends started by the reliability tests: each task runs at start-up, then
 * every `frequency × scale`, never overlapping itself, until shutdown. Every replica runs every
 * task (the real scheduler runs a `global` one on one replica at a time): the Manager's tasks
 * only pick up work under leases, so running them on every replica adds load, never a second
 * worker. Backstage's scheduler is not a dependency of this package, and the mock one runs tasks
 * only when asked.
 */
export function intervalSchedulerFactory(scale = 1) {
  return createServiceFactory({
    service: coreServices.scheduler,
    deps: { lifecycle: coreServices.lifecycle, logger: coreServices.logger },
    factory({ lifecycle, logger }): SchedulerService {
      const tasks = new Map<string, { run: () => Promise<void> }>();
      const shutdown = new AbortController();
      lifecycle.addShutdownHook(() => shutdown.abort());
      const scheduleTask = async (task: Task) => {
        let running: Promise<void> | undefined;
        const run = async () => {
          if (running || shutdown.signal.aborted) return;
          running = Promise.resolve()
            .then(() => task.fn(shutdown.signal))
            .catch(error => logger.warn(`Task ${task.id} failed: ${error}`))
            .finally(() => {
              running = undefined;
            });
          await running;
        };
        tasks.set(task.id, { run });
        const every = Math.max(100, durationMs(task.frequency) * scale);
        const timer = setInterval(run, every);
        shutdown.signal.addEventListener('abort', () => clearInterval(timer));
        setImmediate(run);
      };
      return {
        scheduleTask,
        createScheduledTaskRunner: schedule => ({
          run: async task => scheduleTask({ ...task, ...schedule }),
        }),
        triggerTask: async id => tasks.get(id)?.run(),
        cancelTask: async () => {},
        getScheduledTasks: async () =>
          [...tasks.keys()].map(id => ({
            id,
            scope: 'local' as const,
            settings: { version: 1 },
          })),
      };
    },
  });
}
