import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { DATABASE_USER_ROLES } from '@dbaas/plugin-dbaas-common';
import { ManagerClientFactory } from '../managerClient';
import { examples } from './createUser.examples';
import { findInstance, INSTANCE_INPUT_DESCRIPTION } from './findInstance';
import { waitForOperation } from './waitForOperation';

/**
 * `dbaas:instance:create-user`: makes a user on a database's server as the task's initiator
 * (who needs `dbaas.instance.update`) and waits until it is made. The Manager generates the
 * password; the action never reads it, so it is in no output or log. A retried task asks once
 * (checkpoint, and the same Idempotency-Key); a failed create fails the step with the
 * Manager's message from the timeline.
 */
export function createCreateUserAction(deps: {
  manager: ManagerClientFactory;
}) {
  return createTemplateAction({
    id: 'dbaas:instance:create-user',
    description:
      'Makes a user on a database’s server that may read (readonly) or also change (readwrite) the tables of a database, ' +
      'and waits until it is made. The Manager generates its password, which this action never outputs: ' +
      'read it on the instance page (Users & databases) or with `dbaas users credentials <instance> <user>`',
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
              'The user’s name: 1–31 lower-case letters, digits and underscores, starting with a letter',
            ),
        role: z =>
          z
            .enum(DATABASE_USER_ROLES)
            .describe(
              'readonly may SELECT; readwrite may also INSERT, UPDATE and DELETE',
            ),
        database: z =>
          z
            .string()
            .min(1)
            .optional()
            .describe(
              'The database the role applies to (default: the application database)',
            ),
        wait: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Wait until the user is made and fail if that failed (default true)',
            ),
      },
      output: {
        name: z => z.string().describe('The user’s name'),
        role: z => z.string().describe('readonly or readwrite'),
        database: z => z.string().describe('The database the role applies to'),
      },
    },
    async handler(ctx) {
      const { name, role, database } = ctx.input;
      const wait = ctx.input.wait ?? true;
      const session = await deps.manager.forCredentials(
        await ctx.getInitiatorCredentials(),
      );
      const instance = await findInstance(session, ctx.input.instance);
      const on = database
        ? `on database ${database}`
        : 'on its application database';

      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would make ${role} user ${name} ${on} of database ${instance.name} (id ${instance.id})`,
        );
        ctx.output('name', name);
        ctx.output('role', role);
        ctx.output('database', database ?? instance.endpoint?.database ?? '');
        return;
      }

      // a retried or recovered task asks no second time; a lost answer, retried under the
      // same key, gets the first one again
      const asked = await ctx.checkpoint({
        key: `dbaas.instance.create-user.${instance.id}.${name}`,
        fn: async () => {
          const startedAt = new Date().toISOString();
          const user = await session.api.createDatabaseUser(
            instance.id,
            { name, role, ...(database ? { database } : {}) },
            {
              token: session.token,
              idempotencyKey: `${ctx.task.id}/${ctx.step?.id ?? 'create-user'}`,
            },
          );
          ctx.logger.info(
            `Asked to make ${user.role} user ${user.name} on database ${user.database} of ${instance.name} (id ${instance.id})`,
          );
          // the operation's own time, where the instance still shows it
          const now = await session.api.getInstance(instance.id, {
            token: session.token,
          });
          const requestedAt =
            now.operation?.type === 'create-user' &&
            now.operation.target === user.name
              ? now.operation.requestedAt
              : startedAt;
          return {
            requestedAt,
            user: { name: user.name, role: user.role, database: user.database },
          };
        },
      });

      if (wait) {
        await waitForOperation({
          session,
          instance,
          type: 'create-user',
          requestedAt: asked.requestedAt,
          logger: ctx.logger,
          signal: ctx.signal,
        });
        ctx.logger.info(
          `User ${asked.user.name} is ready on database ${asked.user.database} of ${instance.name}; its password is on the instance page`,
        );
      } else {
        ctx.logger.info(
          `Not waiting: user ${asked.user.name} is made in the background`,
        );
      }
      ctx.output('name', asked.user.name);
      ctx.output('role', asked.user.role);
      ctx.output('database', asked.user.database);
    },
  });
}
