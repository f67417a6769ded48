import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  Instance,
  PendingOperationType,
  UpdateInstanceRequest,
} from '@dbaas/plugin-dbaas-common';
import { ManagerClientFactory } from '../managerClient';
import { findInstance, INSTANCE_INPUT_DESCRIPTION } from './findInstance';
import { examples } from './updateInstance.examples';
import { waitForOperation } from './waitForOperation';

const WEEKDAYS = [
  'daily',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;

/** The changes done in the background, one per request, and the operation each shows as. */
const BACKGROUND = {
  storageGiB: 'resize-storage',
  flavorId: 'change-flavor',
  parameters: 'set-parameters',
} as const satisfies Record<string, PendingOperationType>;
type BackgroundChange = keyof typeof BACKGROUND;

type Change = Pick<
  UpdateInstanceRequest,
  | 'storageGiB'
  | 'flavorId'
  | 'parameters'
  | 'applyAt'
  | 'storage'
  | 'maintenanceWindow'
>;

/**
 * `dbaas:instance:update`: changes a database's size, flavor, server parameters, storage
 * growth or maintenance window as the task's initiator (PATCH /instances/{id}), and waits
 * until the background change it started is done. A retried task asks once (checkpoint); a
 * failed change fails the step with the Manager's message from the timeline.
 */
export function createUpdateInstanceAction(deps: {
  manager: ManagerClientFactory;
}) {
  return createTemplateAction({
    id: 'dbaas:instance:update',
    description:
      'Changes a database: grows its storage, moves it to another flavor, sets server parameters (one of these per step, ' +
      'done in the background; a flavor or parameter change may wait for the maintenance window with applyAt next-window), ' +
      'and/or sets how its storage grows and its maintenance window. Waits until the background change is done unless wait is false',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        instance: z => z.string().min(1).describe(INSTANCE_INPUT_DESCRIPTION),
        storageGiB: z =>
          z
            .number()
            .int()
            .positive()
            .optional()
            .describe(
              'Grow the storage to this many GiB (only up, within the flavor’s bounds)',
            ),
        flavorId: z =>
          z
            .string()
            .min(1)
            .optional()
            .describe(
              'Another flavor of the same engine and version; the server is made again on the same data (a restart)',
            ),
        parameters: z =>
          z
            .record(z.number().nullable())
            .optional()
            .describe(
              'Server parameters from the engine’s allow-list, e.g. { max_connections: 200, work_mem: 16 }; null returns one to its default',
            ),
        applyAt: z =>
          z
            .enum(['immediately', 'next-window'])
            .optional()
            .describe(
              'For flavorId and parameters: immediately (default), or next-window to apply it in the next maintenance window',
            ),
        storage: z =>
          z
            .object({
              autoGrow: z.boolean().optional(),
              maxGiB: z.number().int().positive().nullable().optional(),
            })
            .strict()
            .optional()
            .describe(
              'How the storage grows by itself: autoGrow, up to maxGiB (null: the flavor’s maximum)',
            ),
        maintenanceWindow: z =>
          z
            .object({
              day: z.enum(WEEKDAYS),
              hour: z.number().int().min(0).max(23).describe('UTC'),
              durationHours: z.number().int().min(1).max(8),
            })
            .strict()
            .nullable()
            .optional()
            .describe(
              'When restarts, upgrades and changes asked for the next window run (UTC); null removes it',
            ),
        wait: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Wait until the background change is done and fail if it failed (default true)',
            ),
      },
      output: {
        instanceId: z => z.string().describe('The database’s instance id'),
        flavorId: z => z.string().describe('Its flavor'),
        storageGiB: z => z.number().describe('Its storage size in GiB'),
        parameters: z =>
          z
            .record(z.number())
            .describe(
              'The server parameters set on it (the rest are the flavor’s)',
            ),
        scheduledFor: z =>
          z
            .string()
            .optional()
            .describe(
              'With applyAt next-window: when the maintenance window that applies the change opens',
            ),
      },
    },
    async handler(ctx) {
      const { instance: ref, wait: waitInput, ...input } = ctx.input;
      const wait = waitInput ?? true;
      const change = Object.fromEntries(
        Object.entries(input).filter(([, v]) => v !== undefined),
      ) as Change;
      const background = (Object.keys(BACKGROUND) as BackgroundChange[]).filter(
        k => change[k] !== undefined,
      );
      if (background.length > 1) {
        throw new InputError(
          `One background change per step: ${background.join(
            ', ',
          )} were given; use a step for each`,
        );
      }
      if (!Object.keys(change).some(k => k !== 'applyAt')) {
        throw new InputError(
          'Nothing to change: give storageGiB, flavorId, parameters, storage or maintenanceWindow',
        );
      }
      const inWindow = change.applyAt === 'next-window';
      if (
        inWindow &&
        !(change.flavorId !== undefined || change.parameters !== undefined)
      ) {
        throw new InputError(
          'applyAt: only a flavorId or parameters change can wait for the maintenance window',
        );
      }
      const type = background[0] ? BACKGROUND[background[0]] : undefined;

      const session = await deps.manager.forCredentials(
        await ctx.getInitiatorCredentials(),
      );
      const options = { token: session.token };
      const instance = await findInstance(session, ref);
      const what = describe(instance, change);

      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would change database ${instance.name} (id ${instance.id}): ${what}`,
        );
        output(
          ctx.output,
          pick(
            inWindow
              ? instance
              : {
                  ...instance,
                  flavorId: change.flavorId ?? instance.flavorId,
                  storageGiB: change.storageGiB ?? instance.storageGiB,
                  parameters: withParameters(instance, change.parameters),
                },
          ),
        );
        return;
      }

      // a retried or recovered task asks no second time
      const asked = await ctx.checkpoint({
        key: `dbaas.instance.update.${instance.id}`,
        fn: async () => {
          const startedAt = new Date().toISOString();
          const accepted = await session.api.updateInstance(
            instance.id,
            change,
            options,
          );
          ctx.logger.info(
            `Asked to change database ${instance.name} (id ${instance.id}): ${what}`,
          );
          const started =
            accepted.operation?.type === type ? accepted.operation : undefined;
          return {
            requestedAt: started?.requestedAt ?? startedAt,
            scheduledFor: accepted.scheduledOperation?.nextWindowAt ?? null,
            instance: pick(accepted),
          };
        },
      });

      if (inWindow) {
        ctx.logger.info(
          `The ${type} of database ${
            instance.name
          } waits for its next maintenance window${
            asked.scheduledFor ? `, opening ${asked.scheduledFor}` : ''
          }`,
        );
        output(ctx.output, asked.instance, asked.scheduledFor);
        return;
      }
      if (!type || !wait) {
        if (type) {
          ctx.logger.info(
            `Not waiting: the ${type} of database ${instance.name} goes on in the background`,
          );
        }
        output(ctx.output, asked.instance);
        return;
      }
      const done = await waitForOperation({
        session,
        instance,
        type,
        requestedAt: asked.requestedAt,
        logger: ctx.logger,
        signal: ctx.signal,
      });
      ctx.logger.info(
        `Database ${done.name}: the ${type} is done (flavor ${done.flavorId}, ${done.storageGiB} GiB)`,
      );
      output(ctx.output, pick(done));
    },
  });
}

/** The outputs: what the instance is once the change is applied. */
function pick(
  i: Pick<Instance, 'id' | 'flavorId' | 'storageGiB' | 'parameters'>,
) {
  return {
    instanceId: i.id,
    flavorId: i.flavorId,
    storageGiB: i.storageGiB,
    parameters: i.parameters ?? {},
  };
}

function output(
  set: (name: any, value: any) => void,
  values: ReturnType<typeof pick>,
  scheduledFor?: string | null,
) {
  for (const [name, value] of Object.entries(values)) set(name, value);
  if (scheduledFor) set('scheduledFor', scheduledFor);
}

/** The parameters once the change is applied: null removes one. */
function withParameters(
  instance: Pick<Instance, 'parameters'>,
  parameters: Change['parameters'],
): Record<string, number> {
  const all = { ...instance.parameters, ...parameters };
  return Object.fromEntries(
    Object.entries(all).filter((e): e is [string, number] => e[1] !== null),
  );
}

/** The change in words, for the task log. */
function describe(instance: Instance, change: Change): string {
  const parts: string[] = [];
  if (change.storageGiB !== undefined) {
    parts.push(`storage ${instance.storageGiB} → ${change.storageGiB} GiB`);
  }
  if (change.flavorId !== undefined) {
    parts.push(`flavor ${instance.flavorId} → ${change.flavorId}`);
  }
  if (change.parameters !== undefined) {
    parts.push(
      `parameters ${Object.entries(change.parameters)
        .map(([k, v]) => `${k}=${v ?? 'default'}`)
        .join(', ')}`,
    );
  }
  if (change.applyAt === 'next-window') {
    parts.push('in the next maintenance window');
  }
  if (change.storage !== undefined) {
    const { autoGrow, maxGiB } = change.storage;
    const growth: string[] = [];
    if (autoGrow !== undefined) growth.push(autoGrow ? 'on' : 'off');
    if (maxGiB === null) growth.push('up to the flavor’s maximum');
    else if (maxGiB !== undefined) growth.push(`up to ${maxGiB} GiB`);
    parts.push(`storage growth ${growth.join(', ')}`);
  }
  if (change.maintenanceWindow !== undefined) {
    const w = change.maintenanceWindow;
    parts.push(
      w
        ? `maintenance window ${w.day} ${String(w.hour).padStart(
            2,
            '0',
          )}:00 UTC for ${w.durationHours} h`
        : 'no maintenance window',
    );
  }
  return parts.join('; ');
}
