import { NotFoundError, ResponseError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { Instance, OperationType } from '@dbaas/plugin-dbaas-common';
import { ManagerClientFactory, ManagerSession } from '../managerClient';
import { examples } from './operateInstance.examples';
import { waitForInstance } from './waitForInstance';

/** The operations this action asks for (the Manager may know others). */
const OPERATION_INPUTS = ['stop', 'start', 'restart'] as const;
type Operation = (typeof OPERATION_INPUTS)[number] & OperationType;

/** What each operation asks of the Manager, and the status it leaves the database in. */
const OPERATIONS: Record<
  Operation,
  {
    call: 'stopInstance' | 'startInstance' | 'restartInstance';
    ends: 'stopped' | 'running';
  }
> = {
  stop: { call: 'stopInstance', ends: 'stopped' },
  start: { call: 'startInstance', ends: 'running' },
  restart: { call: 'restartInstance', ends: 'running' },
};

/**
 * `dbaas:instance:operate`: stops, starts or restarts a database as the task's initiator
 * (who needs `dbaas.instance.operate`) and waits until the operation is done. A retried
 * task asks once (checkpoint, and the same Idempotency-Key); a failed operation fails the
 * step with the fault from the database's timeline.
 */
export function createOperateInstanceAction(deps: {
  manager: ManagerClientFactory;
}) {
  return createTemplateAction({
    id: 'dbaas:instance:operate',
    description:
      'Stops, starts or restarts a database on the same data and waits until that is done. ' +
      'Only a running database can be stopped or restarted, only a stopped one started',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        instance: z =>
          z
            .string()
            .min(1)
            .describe(
              'The database: its name, instance id or catalog entity ref (e.g. resource:default/orders-db)',
            ),
        operation: z =>
          z
            .enum(OPERATION_INPUTS)
            .describe('stop, start or restart; the data stays in every case'),
      },
      output: {
        status: z =>
          z
            .string()
            .describe(
              'The status the database ended in: stopped after a stop, running after a start or restart',
            ),
      },
    },
    async handler(ctx) {
      const { operation } = ctx.input;
      const { call, ends } = OPERATIONS[operation];
      const session = await deps.manager.forCredentials(
        await ctx.getInitiatorCredentials(),
      );
      const options = { token: session.token };
      const instance = await findInstance(session, ctx.input.instance);

      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would ${operation} database ${instance.name} (now ${instance.status}), to end ${ends}`,
        );
        ctx.output('status', ends);
        return;
      }

      // a retried or recovered task asks no second time; a lost answer, retried under the
      // same key, gets the first one again
      const requestedAt = await ctx.checkpoint({
        key: `dbaas.instance.operate.${instance.id}.${operation}`,
        fn: async () => {
          const accepted = await session.api[call](instance.id, {
            ...options,
            idempotencyKey: `${ctx.task.id}/${ctx.step?.id ?? 'operate'}`,
          });
          ctx.logger.info(
            `Asked to ${operation} database ${instance.name} (id ${instance.id})`,
          );
          return accepted.operation?.requestedAt ?? new Date().toISOString();
        },
      });

      const done = await waitForInstance({
        session,
        instanceId: instance.id,
        logger: ctx.logger,
        signal: ctx.signal,
        until: i => !i?.operation,
      });
      if (!done) {
        throw new NotFoundError(
          `Database ${instance.name} was deleted during the ${operation}`,
        );
      }
      if (done.status !== ends) {
        const events = await session.api.listEvents(instance.id, options);
        const fault = events
          .filter(e => e.type === 'fault' && e.at >= requestedAt)
          .at(-1);
        throw new Error(
          `Database ${done.name}: ${
            fault?.message ??
            `the ${operation} did not end ${ends}; it is ${done.status}`
          }`,
        );
      }
      ctx.logger.info(`Database ${done.name} is ${done.status}`);
      ctx.output('status', done.status);
    },
  });
}

/** A live database by id, else by name; its catalog entity ref names it too. */
async function findInstance(
  session: ManagerSession,
  input: string,
): Promise<Instance> {
  const options = { token: session.token };
  const name = /^resource:(?:default\/)?([^:/]+)$/i.exec(input)?.[1] ?? input;
  try {
    return await session.api.getInstance(name, options);
  } catch (error) {
    if (!(error instanceof ResponseError && error.statusCode === 404)) {
      throw error;
    }
  }
  const { items } = await session.api.listInstances({ name }, options);
  const found = items.find(i => i.name === name);
  if (found) return found;
  throw new NotFoundError(
    `instance: no database named or with id '${input}' that you may read`,
  );
}
