import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { Instance, PendingOperationType } from '@dbaas/plugin-dbaas-common';
import { ManagerClientFactory, ManagerSession } from '../managerClient';
import { examples } from './operateInstance.examples';
import { findInstance, INSTANCE_INPUT_DESCRIPTION } from './findInstance';
import { waitForOperation } from './waitForOperation';

/** The operations this action asks for (the Manager may know others). */
const OPERATION_INPUTS = [
  'stop',
  'start',
  'restart',
  'upgrade',
  'rotate-credentials',
] as const;
type Operation = (typeof OPERATION_INPUTS)[number] & PendingOperationType;

/** The operations that may wait for the instance's maintenance window. */
const IN_WINDOW: readonly Operation[] = ['restart', 'upgrade'];

/** What each operation asks of the Manager, and the status it leaves the database in. */
const OPERATIONS: Record<
  Operation,
  {
    call: (
      session: ManagerSession,
      id: string,
      options: { idempotencyKey: string; applyAt?: 'next-window' },
    ) => Promise<Instance>;
    ends: 'stopped' | 'running';
  }
> = {
  stop: {
    call: (s, id, o) => s.api.stopInstance(id, { ...o, token: s.token }),
    ends: 'stopped',
  },
  start: {
    call: (s, id, o) => s.api.startInstance(id, { ...o, token: s.token }),
    ends: 'running',
  },
  restart: {
    call: (s, id, o) => s.api.restartInstance(id, { ...o, token: s.token }),
    ends: 'running',
  },
  upgrade: {
    call: (s, id, o) => s.api.upgradeInstance(id, { ...o, token: s.token }),
    ends: 'running',
  },
  'rotate-credentials': {
    call: (s, id, o) => s.api.rotateCredentials(id, { ...o, token: s.token }),
    ends: 'running',
  },
};

/**
 * `dbaas:instance:operate`: stops, starts, restarts or upgrades a database, or rotates its
 * application user's password, as the task's initiator (who needs `dbaas.instance.operate`)
 * and waits until the operation is done. A restart or upgrade may instead be scheduled for
 * the instance's next maintenance window. A retried task asks once (checkpoint, and the same
 * Idempotency-Key); a failed operation fails the step with the fault from the timeline.
 */
export function createOperateInstanceAction(deps: {
  manager: ManagerClientFactory;
}) {
  return createTemplateAction({
    id: 'dbaas:instance:operate',
    description:
      'Stops, starts, restarts or upgrades a database on the same data, or gives its application user a new password ' +
      '(read on the instance page or with `dbaas credentials`), and waits until that is done. ' +
      'Only a running database can be stopped, restarted, upgraded or get a new password, only a stopped one started. ' +
      'A restart or upgrade with applyAt next-window is scheduled for the maintenance window instead (the step does not wait for it)',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        instance: z => z.string().min(1).describe(INSTANCE_INPUT_DESCRIPTION),
        operation: z =>
          z
            .enum(OPERATION_INPUTS)
            .describe(
              'stop, start, restart, upgrade (to the flavor’s current image) or rotate-credentials; the data stays in every case',
            ),
        applyAt: z =>
          z
            .enum(['immediately', 'next-window'])
            .optional()
            .describe(
              'For restart and upgrade: immediately (default), or next-window to run it in the instance’s next maintenance window',
            ),
        wait: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Wait until the operation is done (default true); false ends the step once the Manager accepted it',
            ),
      },
      output: {
        status: z =>
          z
            .string()
            .describe(
              'The status the database ended in: stopped after a stop, running after the others; ' +
                'without waiting, or when scheduled, its status when the step ended',
            ),
        scheduledFor: z =>
          z
            .string()
            .optional()
            .describe(
              'With applyAt next-window: when the maintenance window that runs the operation opens',
            ),
      },
    },
    async handler(ctx) {
      const { operation } = ctx.input;
      const inWindow = ctx.input.applyAt === 'next-window';
      const wait = ctx.input.wait ?? true;
      if (inWindow && !IN_WINDOW.includes(operation)) {
        throw new InputError(
          `applyAt: only a restart or an upgrade can wait for the maintenance window, not ${operation}`,
        );
      }
      const { call, ends } = OPERATIONS[operation];
      const session = await deps.manager.forCredentials(
        await ctx.getInitiatorCredentials(),
      );
      const instance = await findInstance(session, ctx.input.instance);

      if (ctx.isDryRun) {
        ctx.logger.info(
          inWindow
            ? `Dry run: would schedule a ${operation} of database ${instance.name} (now ${instance.status}) for its next maintenance window`
            : `Dry run: would ${operation} database ${instance.name} (now ${instance.status}), to end ${ends}`,
        );
        ctx.output('status', inWindow ? instance.status : ends);
        return;
      }
      const idempotencyKey = `${ctx.task.id}/${ctx.step?.id ?? 'operate'}`;

      if (inWindow) {
        const scheduled = await ctx.checkpoint({
          key: `dbaas.instance.operate.${instance.id}.${operation}.next-window`,
          fn: async () => {
            const accepted = await call(session, instance.id, {
              idempotencyKey,
              applyAt: 'next-window',
            });
            return {
              status: accepted.status,
              scheduledFor: accepted.scheduledOperation?.nextWindowAt ?? null,
            };
          },
        });
        ctx.logger.info(
          `Scheduled a ${operation} of database ${instance.name} (id ${
            instance.id
          }) for its next maintenance window${
            scheduled.scheduledFor ? `, opening ${scheduled.scheduledFor}` : ''
          }`,
        );
        ctx.output('status', scheduled.status);
        if (scheduled.scheduledFor) {
          ctx.output('scheduledFor', scheduled.scheduledFor);
        }
        return;
      }

      // a retried or recovered task asks no second time; a lost answer, retried under the
      // same key, gets the first one again
      const requestedAt = await ctx.checkpoint({
        key: `dbaas.instance.operate.${instance.id}.${operation}`,
        fn: async () => {
          const accepted = await call(session, instance.id, { idempotencyKey });
          ctx.logger.info(
            `Asked to ${
              operation === 'rotate-credentials'
                ? 'rotate the credentials of'
                : operation
            } database ${instance.name} (id ${instance.id})`,
          );
          return accepted.operation?.requestedAt ?? new Date().toISOString();
        },
      });
      if (!wait) {
        ctx.logger.info(
          `Not waiting: the ${operation} of database ${instance.name} goes on in the background`,
        );
        ctx.output('status', instance.status);
        return;
      }

      const done = await waitForOperation({
        session,
        instance,
        type: operation,
        requestedAt,
        logger: ctx.logger,
        signal: ctx.signal,
      });
      if (done.status !== ends) {
        throw new Error(
          `Database ${done.name}: the ${operation} did not end ${ends}; it is ${done.status}`,
        );
      }
      ctx.logger.info(
        operation === 'rotate-credentials'
          ? `Database ${done.name} has a new password for its application user; it is ${done.status}`
          : `Database ${done.name} is ${done.status}`,
      );
      ctx.output('status', done.status);
    },
  });
}
