import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { ManagerClientFactory } from '../managerClient';
import { examples } from './createDatabase.examples';
import { findInstance, INSTANCE_INPUT_DESCRIPTION } from './findInstance';
import { waitForOperation } from './waitForOperation';

/**
 * `dbaas:instance:create-database`: makes another database on a database server, owned by its
 * application user, as the task's initiator (who needs `dbaas.instance.update`), and waits until
 * it is made. A retried task asks once (checkpoint, and the same Idempotency-Key); a failed
 * create fails the step with the Manager's message from the timeline.
 */
export function createCreateDatabaseAction(deps: {
  manager: ManagerClientFactory;
}) {
  return createTemplateAction({
    id: 'dbaas:instance:create-database',
    description:
      'Makes another database on a database server, owned by its application user, and waits until it is made',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        instance: z => z.string().min(1).describe(INSTANCE_INPUT_DESCRIPTION),
        name: z =>
          z
            .string()
            .regex(/^[a-z][a-z0-9_]{0,30}$/)
            .describe(
              'The database’s name: 1–31 lower-case letters, digits and underscores, starting with a letter',
            ),
        wait: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Wait until the database is made and fail if that failed (default true)',
            ),
      },
      output: {
        name: z => z.string().describe('The database’s name'),
      },
    },
    async handler(ctx) {
      const { name } = ctx.input;
      const wait = ctx.input.wait ?? true;
      const session = await deps.manager.forCredentials(
        await ctx.getInitiatorCredentials(),
      );
      const instance = await findInstance(session, ctx.input.instance);
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would make database ${name} on ${instance.name} (id ${instance.id})`,
        );
        ctx.output('name', name);
        return;
      }
      const requestedAt = await ctx.checkpoint({
        key: `dbaas.instance.create-database.${instance.id}.${name}`,
        fn: async () => {
          const startedAt = new Date().toISOString();
          await session.api.createDatabase(
            instance.id,
            { name },
            {
              token: session.token,
              idempotencyKey: `${ctx.task.id}/${
                ctx.step?.id ?? 'create-database'
              }`,
            },
          );
          ctx.logger.info(
            `Asked to make database ${name} on ${instance.name} (id ${instance.id})`,
          );
          const now = await session.api.getInstance(instance.id, {
            token: session.token,
          });
          return now.operation?.type === 'create-database' &&
            now.operation.target === name
            ? now.operation.requestedAt
            : startedAt;
        },
      });
      if (wait) {
        await waitForOperation({
          session,
          instance,
          type: 'create-database',
          requestedAt,
          logger: ctx.logger,
          signal: ctx.signal,
        });
        ctx.logger.info(`Database ${name} is ready on ${instance.name}`);
      } else {
        ctx.logger.info(
          `Not waiting: database ${name} is made in the background`,
        );
      }
      ctx.output('name', name);
    },
  });
}
