import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { connectionUri, instanceEntityRef } from '@dbaas/plugin-dbaas-common';
import { ManagerClientFactory } from '../managerClient';
import { examples } from './deployContainer.examples';
import { waitForInstance } from './waitForInstance';

/**
 * `dbaas:container:deploy`: deploys the flavor's engine on the host made by
 * `dbaas:vm:provision` and waits until it is healthy. Outputs never hold the password.
 * A task cancelled meanwhile deletes the instance. Deletion protection, when asked for,
 * is turned on only once the database is ready, so that a cancel before can delete it.
 */
export function createDeployContainerAction(deps: {
  manager: ManagerClientFactory;
  appBaseUrl: string;
}) {
  return createTemplateAction({
    id: 'dbaas:container:deploy',
    description:
      "Deploys the flavor's database engine on the provisioned host and waits until it is healthy. " +
      'A cancelled task deletes the instance; deletion protection is turned on only once the database is ready',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        instanceId: z =>
          z.string().min(1).describe('The id output by dbaas:vm:provision'),
        deletionProtection: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Refuse deletes until turned off; turned on once the database is ready',
            ),
      },
      output: {
        endpoint: z =>
          z
            .object({
              host: z.string(),
              port: z.number(),
              database: z.string(),
              user: z.string(),
            })
            .describe('Where to connect'),
        connectionUri: z =>
          z.string().describe('Connection URI without the password'),
        entityRef: z =>
          z.string().describe('The catalog entity of the database'),
        instanceUrl: z =>
          z.string().describe('The instance page, where the password is'),
      },
    },
    async handler(ctx) {
      const { instanceId, deletionProtection } = ctx.input;
      const instanceUrl = `${deps.appBaseUrl}/dbaas/instances/${instanceId}`;
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would deploy the engine of instance ${instanceId}`,
        );
        ctx.output('endpoint', {
          host: 'dry-run',
          port: 0,
          database: 'dry-run',
          user: 'dry-run',
        });
        ctx.output('connectionUri', 'dry-run');
        ctx.output('entityRef', 'dry-run');
        ctx.output('instanceUrl', instanceUrl);
        return;
      }
      const session = await deps.manager.forCredentials(
        await ctx.getInitiatorCredentials(),
      );
      await ctx.checkpoint({
        key: `dbaas.instance.deploy.${instanceId}`,
        fn: async () => {
          await session.api.deployInstance(instanceId, {
            token: session.token,
          });
        },
      });

      const ready = (await waitForInstance({
        session,
        instanceId,
        logger: ctx.logger,
        signal: ctx.signal,
        until: i => i?.status === 'running',
        deleteOnCancel: true,
      }))!;
      if (deletionProtection) {
        await session.api.updateInstance(
          instanceId,
          { deletionProtection: true },
          { token: session.token },
        );
        ctx.logger.info(`Deletion protection of ${ready.name} is on`);
      }
      ctx.logger.info(
        `Database ${ready.name} is ready at ${ready.endpoint!.host}:${
          ready.endpoint!.port
        }; read its password on ${instanceUrl}`,
      );
      ctx.output('endpoint', ready.endpoint!);
      ctx.output('connectionUri', connectionUri(ready)!);
      ctx.output('entityRef', instanceEntityRef(ready));
      ctx.output('instanceUrl', instanceUrl);
    },
  });
}
