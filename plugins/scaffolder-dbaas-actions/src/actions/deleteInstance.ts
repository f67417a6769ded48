import { ConflictError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { ResponseError } from '@backstage/errors';
import { ManagerClientFactory } from '../managerClient';
import { examples } from './deleteInstance.examples';
import { waitForInstance } from './waitForInstance';

/** `dbaas:instance:delete`: deletes an instance and waits until it is gone. */
export function createDeleteInstanceAction(deps: {
  manager: ManagerClientFactory;
}) {
  return createTemplateAction({
    id: 'dbaas:instance:delete',
    description:
      'Deletes a database instance with its data; refuses while deletion protection is on',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        instanceId: z => z.string().min(1).describe('The instance id'),
      },
    },
    async handler(ctx) {
      const { instanceId } = ctx.input;
      const session = await deps.manager.forCredentials(
        await ctx.getInitiatorCredentials(),
      );
      const instance = await session.api.getInstance(instanceId, {
        token: session.token,
      });
      if (instance.deletionProtection) {
        throw new ConflictError(
          `deletionProtection: database ${instance.name} is protected from deletion; turn deletion protection off on its page first`,
        );
      }
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would delete database ${instance.name} and its data`,
        );
        return;
      }
      await ctx.checkpoint({
        key: `dbaas.instance.delete.${instanceId}`,
        fn: async () => {
          try {
            await session.api.deleteInstance(instanceId, {
              token: session.token,
            });
          } catch (error) {
            if (!(error instanceof ResponseError && error.statusCode === 404))
              throw error;
          }
        },
      });
      await waitForInstance({
        session,
        instanceId,
        logger: ctx.logger,
        signal: ctx.signal,
        until: i => i === undefined,
      });
      ctx.logger.info(`Database ${instance.name} is deleted`);
    },
  });
}
