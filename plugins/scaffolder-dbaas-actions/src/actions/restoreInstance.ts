import { InputError, NotFoundError, ResponseError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  CreateInstanceRequest,
  Instance,
  instanceEntityRef,
  RestoreFrom,
} from '@dbaas/plugin-dbaas-common';
import { ManagerClientFactory, ManagerSession } from '../managerClient';
import { examples } from './restoreInstance.examples';
import { waitForInstance } from './waitForInstance';

/** `backupId` meaning the source's newest completed backup. */
export const LATEST_BACKUP = 'latest';

/**
 * An optional template field left empty arrives as '' (the scaffolder validates the input
 * against the JSON schema made of the zod one, but passes it on unparsed).
 */
const blankToUndefined = (v: unknown) =>
  v === '' || v === null ? undefined : v;
const optional = (v: string | null | undefined) =>
  blankToUndefined(v) as string | undefined;

/**
 * `dbaas:instance:restore`: creates a new database from a backup of another one (the data as
 * that backup ended), or from its backups and log as of a moment in its recovery window, and
 * waits until it is running. The source may be a deleted instance whose backups are kept.
 * A task cancelled meanwhile deletes the new instance.
 */
export function createRestoreInstanceAction(deps: {
  manager: ManagerClientFactory;
  appBaseUrl: string;
}) {
  return createTemplateAction({
    id: 'dbaas:instance:restore',
    description:
      'Restores a database into a new instance, from one of its backups or as of a moment in its ' +
      'recovery window, and waits until the new one is running. ' +
      'A cancelled task deletes the new instance',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        name: z =>
          z
            .string()
            .describe(
              'Name of the new database: a DNS label of 3 to 40 characters, unique in the portal',
            ),
        owner: z =>
          z
            .preprocess(blankToUndefined, z.string().optional())
            .describe(
              "Owner entity ref of the new database, e.g. group:default/team-a; default: the source's",
            ),
        source: z =>
          z
            .string()
            .min(1)
            .describe(
              'The database to restore: its name, instance id or catalog entity ref (a deleted one too, while its backups are kept)',
            ),
        backupId: z =>
          z
            .preprocess(blankToUndefined, z.string().optional())
            .describe(
              `A backup id of the source, or '${LATEST_BACKUP}' for its newest completed backup; give this or pointInTime`,
            ),
        pointInTime: z =>
          z
            .preprocess(blankToUndefined, z.string().optional())
            .describe(
              "An ISO 8601 date-time inside the source's recovery window, e.g. 2026-11-29T10:15:00Z; give this or backupId",
            ),
        flavorId: z =>
          z
            .preprocess(blankToUndefined, z.string().optional())
            .describe(
              "Flavor id, with the source's engine and version; default: the source's",
            ),
        storageGiB: z =>
          z
            .number()
            .int()
            .optional()
            .describe(
              "Storage in GiB; default: the source's (the flavor's when another flavor is given)",
            ),
        runtime: z =>
          z
            .preprocess(blankToUndefined, z.string().optional())
            .describe("Runtime; default: the Manager's dbaas.defaultRuntime"),
      },
      output: {
        instanceId: z => z.string().describe('The new instance id'),
        name: z => z.string().describe('The new database name'),
        host: z => z.string().describe('Host to connect to'),
        port: z => z.number().describe('Port to connect to'),
        database: z =>
          z.string().describe("Database name on the server (the source's)"),
        entityRef: z =>
          z.string().describe('The catalog entity of the new database'),
        instanceUrl: z =>
          z.string().describe('The instance page, where the password is'),
      },
    },
    async handler(ctx) {
      const { name } = ctx.input;
      const backupId = optional(ctx.input.backupId);
      const pointInTime = optional(ctx.input.pointInTime);
      if ((backupId === undefined) === (pointInTime === undefined)) {
        throw new InputError(
          backupId === undefined
            ? `restore: give either backupId (a backup id, or '${LATEST_BACKUP}') or pointInTime (an ISO 8601 date-time)`
            : 'restore: give backupId or pointInTime, not both',
        );
      }
      if (pointInTime !== undefined && Number.isNaN(Date.parse(pointInTime))) {
        throw new InputError(
          `pointInTime: must be an ISO 8601 date-time, e.g. 2026-11-29T10:15:00Z (got '${pointInTime}')`,
        );
      }
      const session = await deps.manager.forCredentials(
        await ctx.getInitiatorCredentials(),
      );
      const source = await findSource(session, ctx.input.source);
      const restoreFrom: RestoreFrom =
        pointInTime !== undefined
          ? { instanceId: source.id, pointInTime }
          : { backupId: await resolveBackupId(session, source, backupId!) };
      const flavorId = optional(ctx.input.flavorId) ?? source.flavorId;
      const request: CreateInstanceRequest = {
        name,
        owner: optional(ctx.input.owner) ?? source.owner,
        flavorId,
        storageGiB:
          ctx.input.storageGiB ??
          (flavorId === source.flavorId ? source.storageGiB : undefined),
        runtime: optional(ctx.input.runtime),
        restoreFrom,
      };
      const from =
        'backupId' in restoreFrom
          ? `backup ${restoreFrom.backupId} of ${source.name}`
          : `${source.name} as of ${restoreFrom.pointInTime}`;

      if (ctx.isDryRun) {
        const planned = await session.api.createInstance(request, {
          token: session.token,
          dryRun: true,
        });
        ctx.logger.info(
          `Dry run: would restore ${from} into ${planned.name} (${planned.flavorId}, ${planned.storageGiB} GiB on ${planned.runtime}) for ${planned.owner}`,
        );
        ctx.output('instanceId', 'dry-run');
        ctx.output('name', planned.name);
        ctx.output('host', 'dry-run');
        ctx.output('port', 0);
        ctx.output('database', 'dry-run');
        ctx.output('entityRef', instanceEntityRef(planned));
        ctx.output('instanceUrl', `${deps.appBaseUrl}/dbaas/instances/dry-run`);
        return;
      }

      // a retried or recovered task finds the id here instead of creating a second instance
      const instanceId = await ctx.checkpoint({
        key: `dbaas.instance.restore.${name}`,
        fn: async () => {
          // a create whose answer was lost, retried under the same key, gets that answer
          const created = await session.api.createInstance(request, {
            token: session.token,
            idempotencyKey: `${ctx.task.id}/${ctx.step?.id ?? 'restore'}`,
          });
          ctx.logger.info(
            `Restoring ${from} into database ${created.name} (id ${created.id})`,
          );
          return created.id;
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
      const instanceUrl = `${deps.appBaseUrl}/dbaas/instances/${instanceId}`;
      const endpoint = ready.endpoint!;
      ctx.logger.info(
        `Database ${ready.name}, restored from ${from}, is ready at ${endpoint.host}:${endpoint.port}; read its password on ${instanceUrl}`,
      );
      ctx.output('instanceId', instanceId);
      ctx.output('name', ready.name);
      ctx.output('host', endpoint.host);
      ctx.output('port', endpoint.port);
      ctx.output('database', endpoint.database);
      ctx.output('entityRef', instanceEntityRef(ready));
      ctx.output('instanceUrl', instanceUrl);
    },
  });
}

/**
 * The source by id, else by name: a live one first, else a deleted one (its backups are
 * kept). Its catalog entity ref names it too (`resource:default/orders-db`, as an
 * EntityPicker gives it).
 */
async function findSource(
  session: ManagerSession,
  input: string,
): Promise<Instance> {
  const options = { token: session.token };
  const source = /^resource:(?:default\/)?([^:/]+)$/i.exec(input)?.[1] ?? input;
  try {
    return await session.api.getInstance(source, options);
  } catch (error) {
    if (!(error instanceof ResponseError && error.statusCode === 404)) {
      throw error;
    }
  }
  const live = await session.api.listInstances({ name: source }, options);
  if (live.items[0]) return live.items[0];
  const deleted = await session.api.listInstances(
    { name: source, status: ['deleted'] },
    options,
  );
  if (deleted.items[0]) return deleted.items[0];
  throw new NotFoundError(
    `source: no database named or with id '${input}' that you may read`,
  );
}

/** The backup id itself, or for `latest` the source's newest completed backup. */
async function resolveBackupId(
  session: ManagerSession,
  source: Instance,
  backupId: string,
): Promise<string> {
  if (backupId !== LATEST_BACKUP) return backupId;
  const backups = await session.api.listBackups(source.id, {
    token: session.token,
  });
  const newest = backups
    .filter(b => b.status === 'completed')
    .sort((a, b) =>
      (b.completedAt ?? b.startedAt).localeCompare(
        a.completedAt ?? a.startedAt,
      ),
    )[0];
  if (!newest) {
    throw new InputError(
      `backupId: database ${source.name} has no completed backup yet`,
    );
  }
  return newest.id;
}
