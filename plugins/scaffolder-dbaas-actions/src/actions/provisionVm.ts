import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { instanceEntityRef } from '@dbaas/plugin-dbaas-common';
import { ManagerClientFactory } from '../managerClient';
import { examples } from './provisionVm.examples';
import { deleteIfCancelledLater, waitForInstance } from './waitForInstance';

/**
 * `dbaas:vm:provision`: asks the Manager for a new instance and waits until its host
 * ("VM") is provisioned. The engine is deployed by `dbaas:container:deploy`.
 *
 * A cancelled task deletes the instance: while this step waits, and also later, until
 * `dbaas:container:deploy` made the database ready (between two steps the scaffolder runs
 * no action, so this step leaves a listener on the task's cancel signal). The instance is
 * therefore created without deletion protection; `dbaas:container:deploy` turns it on once
 * the database is ready (its input `deletionProtection`).
 */
export function createProvisionVmAction(deps: {
  manager: ManagerClientFactory;
}) {
  return createTemplateAction({
    id: 'dbaas:vm:provision',
    description:
      'Requests a database from the DBaaS Manager and waits until its host is provisioned. ' +
      'A cancelled task deletes the instance until dbaas:container:deploy made it ready; ' +
      'so deletion protection is turned on by dbaas:container:deploy once the database is ready ' +
      '(pass deletionProtection to that step)',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        name: z =>
          z
            .string()
            .describe(
              'Database name: a DNS label of 3 to 40 characters, unique in the portal',
            ),
        owner: z =>
          z.string().describe('Owner entity ref, e.g. group:default/team-a'),
        flavorId: z =>
          z.string().describe('Flavor id, from GET /api/dbaas/flavors'),
        storageGiB: z =>
          z
            .number()
            .int()
            .optional()
            .describe("Storage in GiB; default: the flavor's"),
        runtime: z =>
          z
            .preprocess(v => (v === '' ? undefined : v), z.string().optional())
            .describe("Runtime; default: the Manager's dbaas.defaultRuntime"),
        deletionProtection: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Not applied here: give it to dbaas:container:deploy, which turns protection on once the database is ready (until then a cancelled task deletes the instance)',
            ),
        component: z =>
          z
            .string()
            .optional()
            .describe('Entity ref of the component or system it serves'),
      },
      output: {
        instanceId: z => z.string().describe('The instance id'),
        host: z => z.string().describe('Address of the provisioned host'),
        entityRef: z =>
          z.string().describe('The catalog entity of the database'),
      },
    },
    async handler(ctx) {
      const session = await deps.manager.forCredentials(
        await ctx.getInitiatorCredentials(),
      );
      const {
        name,
        owner,
        flavorId,
        storageGiB,
        runtime,
        deletionProtection,
        component,
      } = ctx.input;
      // an optional template field left empty arrives as ''; protection comes with the
      // deploy step, so that a cancelled task can still delete the instance
      const request = {
        name,
        owner,
        flavorId,
        storageGiB,
        runtime,
        deletionProtection: false,
        component: component || undefined,
      };
      if (deletionProtection) {
        ctx.logger.info(
          'Deletion protection is not applied by this step: dbaas:container:deploy turns it on once the database is ready, when given deletionProtection',
        );
      }

      if (ctx.isDryRun) {
        const planned = await session.api.createInstance(request, {
          token: session.token,
          dryRun: true,
        });
        ctx.logger.info(
          `Dry run: would create ${planned.name} (${planned.flavorId}, ${planned.storageGiB} GiB on ${planned.runtime}) for ${planned.owner}`,
        );
        ctx.output('instanceId', 'dry-run');
        ctx.output('host', 'dry-run');
        ctx.output('entityRef', instanceEntityRef(planned));
        return;
      }

      // a retried or recovered task finds the id here instead of creating a second instance
      const instanceId = await ctx.checkpoint({
        key: `dbaas.instance.create.${name}`,
        fn: async () => {
          // a create whose answer was lost, retried under the same key, gets that answer
          const created = await session.api.createInstance(
            { ...request, holdAtHost: true },
            {
              token: session.token,
              idempotencyKey: `${ctx.task.id}/${ctx.step?.id ?? 'provision'}`,
            },
          );
          ctx.logger.info(
            `Requested database ${created.name} (id ${created.id})`,
          );
          return created.id;
        },
      });

      const instance = (await waitForInstance({
        session,
        instanceId,
        logger: ctx.logger,
        signal: ctx.signal,
        until: i => !!i?.host,
        deleteOnCancel: true,
      }))!;
      deleteIfCancelledLater({
        signal: ctx.signal,
        session: async () =>
          deps.manager.forCredentials(await ctx.getInitiatorCredentials()),
        instanceId,
        logger: ctx.logger,
      });
      ctx.output('instanceId', instanceId);
      ctx.output('host', instance.host!);
      ctx.output('entityRef', instanceEntityRef(instance));
    },
  });
}
