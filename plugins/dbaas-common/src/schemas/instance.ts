import { z } from 'zod';
import { backupPolicyInputSchema } from './backup';
import { DbaasApiOperations, DbaasApiQuery, DbaasApiSchemas } from './api';
import { engineSchema } from './flavor';
import { runtimeNameSchema } from './runtimeName';

/*
 * The request and response types are the spec's (plugins/dbaas-backend/src/schema/openapi.yaml,
 * generated into ../generated/openapi.ts); the lists of enum values below are checked against
 * the spec's enums when type-checking (spec.test.ts).
 */

/** What the Manager drives an instance through. */
export type LifecycleStatus = DbaasApiSchemas['LifecycleStatus'];
export const LIFECYCLE_STATUSES = [
  'provisioning',
  'running',
  // the server of a running instance was found down (a host restart) and is started again
  'recovering',
  'stopped',
  'deleting',
  'deleted',
  'failed',
] as const satisfies readonly LifecycleStatus[];

/** What the engine's own check reports, independently of the lifecycle. */
export type HealthState = DbaasApiSchemas['HealthState'];
export const HEALTH_STATES = [
  'healthy',
  'starting',
  'unhealthy',
  'unknown',
] as const satisfies readonly HealthState[];

/** Steps inside `provisioning` and `deleting`, in the order they run. */
export const PROVISIONING_PHASES = [
  'requested',
  'host_provisioning',
  'host_ready',
  'engine_deploying',
  'engine_starting',
] as const satisfies readonly Phase[];
export const DELETING_PHASES = [
  'engine_removing',
  'host_destroying',
] as const satisfies readonly Phase[];
export type Phase = DbaasApiSchemas['Phase'];

export { runtimeNameSchema, type RuntimeName } from './runtimeName';

/** Typed reasons an instance failed; each runtime maps its errors onto these. */
export type FaultCode = DbaasApiSchemas['FaultCode'];
export const FAULT_CODES = [
  'HOST_CAPACITY',
  'HOST_PERMISSION',
  'HOST_UNAVAILABLE',
  'IMAGE_PULL',
  'ENGINE_UNAVAILABLE',
  'ENGINE_START_FAILED',
  'ENGINE_TIMEOUT',
  'PROVISION_TIMEOUT',
  /** One runtime call took longer than dbaas.provisioning.stepTimeoutSeconds. */
  'TIMEOUT',
  /** A stored secret cannot be opened with any configured key: nothing is destroyed. */
  'SECRET_UNREADABLE',
  /** A restore's point in time lies outside the source's recovery window (the message names it). */
  'RESTORE_OUTSIDE_WINDOW',
  /** The backup store could not be reached or refused the Manager; tried again later. */
  'BACKUP_STORE_UNAVAILABLE',
  /** The replica taking a backup stopped before it finished: nothing partial was kept. */
  'BACKUP_INTERRUPTED',
  'INTERNAL',
] as const satisfies readonly FaultCode[];

export type Fault = DbaasApiSchemas['Fault'];

/** Where to connect; never holds the password. */
export type Endpoint = DbaasApiSchemas['Endpoint'];

export type Instance = DbaasApiSchemas['Instance'];

export type InstanceEventType = DbaasApiSchemas['InstanceEvent']['type'];
export const EVENT_TYPES = [
  'created',
  'phase',
  'status',
  'health',
  'fault',
  'operation',
] as const satisfies readonly InstanceEventType[];

/** One line of an instance's timeline. */
export type InstanceEvent = DbaasApiSchemas['InstanceEvent'];

/**
 * The application user's password and a connection URI with it that asks clients to verify
 * the server, e.g. `postgresql://app:…@127.0.0.1:5432/app?sslmode=verify-full`; `ca`, the CA
 * certificate (PEM) to verify the server with, when it serves TLS.
 */
export type Credentials = DbaasApiSchemas['Credentials'];

const ENTITY_REF =
  /^([a-z][a-z0-9-]*:)?([a-z0-9][a-z0-9._-]*\/)?[a-zA-Z0-9][a-zA-Z0-9._-]*$/;

export const entityRefSchema = z
  .string()
  .max(255, 'must be at most 255 characters')
  .regex(ENTITY_REF, 'must be an entity ref like group:default/team-a');

export const instanceNameSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{1,38}[a-z0-9]$/,
    'must be a DNS label of 3 to 40 characters: lowercase letters, digits and dashes, starting with a letter and not ending with a dash',
  );

/** What a create restores the new database from: a backup, or an instance as of a moment. */
export type RestoreFrom = DbaasApiSchemas['RestoreFrom'];

const restoreFromSchema = z.union(
  [
    z.object({ backupId: z.string().min(1, 'must name a backup') }).strict(),
    z
      .object({
        instanceId: z.string().min(1, 'must name an instance'),
        pointInTime: z.string().datetime({
          offset: true,
          message: 'must be an ISO 8601 date-time, e.g. 2026-11-29T10:15:00Z',
        }),
      })
      .strict(),
  ],
  {
    errorMap: () => ({
      message:
        'must be { backupId } or { instanceId, pointInTime } (an ISO 8601 date-time)',
    }),
  },
) satisfies z.ZodType<RestoreFrom, z.ZodTypeDef, unknown>;

/** What the Manager sampled of a running database (GET /instances/{id}/metrics). */
export type MetricsSample = DbaasApiSchemas['MetricsSample'];
export type MetricsResponse = DbaasApiSchemas['MetricsResponse'];

/** A day-2 operation under way: stop, start, restart, a rotation, a resize. */
export type PendingOperation = DbaasApiSchemas['PendingOperation'];
export type PendingOperationType = PendingOperation['type'];
/** The operations asked for with `POST /instances/{id}/<type>` (a resize is a PATCH). */
export const OPERATION_TYPES = [
  'stop',
  'start',
  'restart',
  'rotate-credentials',
  'upgrade',
] as const satisfies readonly PendingOperationType[];
export type OperationType = (typeof OPERATION_TYPES)[number];

/** When an instance's disruptive operations may run (UTC), and one waiting for it. */
export type MaintenanceWindow = DbaasApiSchemas['MaintenanceWindow'];
export type ScheduledOperation = DbaasApiSchemas['ScheduledOperation'];
const maintenanceWindowSchema = z
  .object({
    day: z.enum(
      [
        'daily',
        'monday',
        'tuesday',
        'wednesday',
        'thursday',
        'friday',
        'saturday',
        'sunday',
      ],
      {
        errorMap: () => ({
          message: 'must be daily or a day of the week (monday … sunday)',
        }),
      },
    ),
    hour: z
      .number()
      .int('must be a whole hour')
      .min(0, 'must be 0–23 (UTC)')
      .max(23, 'must be 0–23 (UTC)'),
    durationHours: z
      .number()
      .int('must be whole hours')
      .min(1, 'must be 1–8 hours')
      .max(8, 'must be 1–8 hours'),
  })
  .strict() satisfies z.ZodType<MaintenanceWindow, z.ZodTypeDef, unknown>;

/** How an instance's storage grows by itself (create and PATCH). */
export type StoragePolicyInput = DbaasApiSchemas['StoragePolicyInput'];
export type InstanceStorage = DbaasApiSchemas['InstanceStorage'];
const storagePolicyInputSchema = z
  .object({
    autoGrow: z.boolean().optional(),
    maxGiB: z
      .number()
      .int('must be a whole number of GiB')
      .positive('must be at least 1 GiB')
      .nullable()
      .optional(),
  })
  .strict() satisfies z.ZodType<StoragePolicyInput, z.ZodTypeDef, unknown>;

/** The body of `POST /instances`. */
export type CreateInstanceRequest = DbaasApiSchemas['CreateInstanceRequest'];

/** Checks a create request, with messages naming the field at fault (the spec's constraints and more). */
export const createInstanceRequestSchema = z
  .object({
    name: instanceNameSchema,
    owner: entityRefSchema,
    flavorId: z.string().min(1, 'must name a flavor'),
    storageGiB: z
      .number()
      .int('must be a whole number of GiB')
      .positive()
      .optional(),
    runtime: runtimeNameSchema.optional(),
    deletionProtection: z.boolean().optional(),
    component: entityRefSchema.optional(),
    /** Stop at host_ready until `POST /instances/{id}/deploy` (two-step templates). */
    holdAtHost: z.boolean().optional(),
    restoreFrom: restoreFromSchema.optional(),
    backup: backupPolicyInputSchema.optional(),
    storage: storagePolicyInputSchema.optional(),
  })
  .strict() satisfies z.ZodType<CreateInstanceRequest, z.ZodTypeDef, unknown>;

/** The body of `PATCH /instances/{id}`. */
export type UpdateInstanceRequest = DbaasApiSchemas['UpdateInstanceRequest'];
export const updateInstanceRequestSchema = z
  .object({
    deletionProtection: z.boolean().optional(),
    backup: backupPolicyInputSchema.optional(),
    credentialRotation: z
      .object({
        everyDays: z
          .number()
          .int('must be a whole number of days')
          .min(1, 'must be at least 1 day')
          .max(365, 'must be at most 365 days')
          .nullable(),
      })
      .strict()
      .optional(),
    maintenanceWindow: maintenanceWindowSchema.nullable().optional(),
    applyAt: z
      .enum(['immediately', 'next-window'], {
        errorMap: () => ({ message: 'must be immediately or next-window' }),
      })
      .optional(),
    flavorId: z.string().min(1, 'must name a flavor').optional(),
    storageGiB: z
      .number()
      .int('must be a whole number of GiB')
      .positive('must be at least 1 GiB')
      .optional(),
    storage: storagePolicyInputSchema.optional(),
    parameters: z
      .record(
        z.number({ invalid_type_error: 'must be a number or null' }).nullable(),
      )
      .optional(),
  })
  .strict()
  .refine(patch => Object.keys(patch).length > 0, {
    message:
      'must change something: deletionProtection, backup, credentialRotation, maintenanceWindow, flavorId, storageGiB, storage or parameters',
  }) satisfies z.ZodType<UpdateInstanceRequest, z.ZodTypeDef, unknown>;

/** `GET /instances`'s query; where the spec takes a list, one value will do too. */
export type ListInstancesQuery = DbaasApiQuery<
  NonNullable<DbaasApiOperations['listInstances']['parameters']['query']>
>;

/** One value or a list of them, as a list: a bad one is named by its place, `status[1]`. */
const oneOrMany = <T extends z.ZodTypeAny>(item: T) =>
  z.preprocess(v => (Array.isArray(v) ? v : [v]), z.array(item)).optional();

export const listInstancesQuerySchema = z
  .object({
    owner: oneOrMany(entityRefSchema),
    status: oneOrMany(
      z.enum(LIFECYCLE_STATUSES, {
        errorMap: () => ({
          message: `must be one of ${LIFECYCLE_STATUSES.join(', ')}`,
        }),
      }),
    ),
    flavor: z.string().optional(),
    engine: oneOrMany(engineSchema),
    name: z.string().optional(),
    /** Case-insensitive substring of the name, owner or flavor. */
    search: z.string().max(100).optional(),
    /** Changed at or after this time, deleted ones included, oldest change first. */
    changedSince: z
      .string()
      .datetime({ offset: true, message: 'must be an ISO 8601 date-time' })
      .optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

export type ListInstancesResponse = DbaasApiSchemas['ListInstancesResponse'];

/** The catalog entity of an instance: live instance names are unique across the portal. */
export function instanceEntityRef(instance: Pick<Instance, 'name'>): string {
  return `resource:default/${instance.name}`;
}

/** A connection URI without the password, e.g. `postgresql://app@127.0.0.1:5432/app`. */
export function connectionUri(
  instance: Pick<Instance, 'engine' | 'endpoint'>,
): string | null {
  const e = instance.endpoint;
  if (!e) return null;
  const scheme = instance.engine === 'postgresql' ? 'postgresql' : 'mysql';
  return `${scheme}://${encodeURIComponent(e.user)}@${e.host}:${e.port}/${
    e.database
  }`;
}

/** A runtime the Manager can use, and the flavors it can serve. */
export type RuntimeInfo = DbaasApiSchemas['RuntimeInfo'];

export type ListRuntimesResponse = DbaasApiSchemas['ListRuntimesResponse'];

/** What `POST /admin/reseal` did. */
export type ResealReport = DbaasApiSchemas['ResealReport'];

/** A failed create whose server or host may still exist (`GET /admin/leaks`). */
export type LeakReport = DbaasApiSchemas['LeakReport'];

/** The caller of `GET /whoami`. */
export type Principal = DbaasApiSchemas['Principal'];
