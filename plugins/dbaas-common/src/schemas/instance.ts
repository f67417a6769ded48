import { z } from 'zod';
import { Engine, ENGINES } from './flavor';

/** What the Manager drives an instance through. */
export const LIFECYCLE_STATUSES = [
  'provisioning',
  'running',
  'stopped',
  'deleting',
  'deleted',
  'failed',
] as const;
export type LifecycleStatus = (typeof LIFECYCLE_STATUSES)[number];

/** What the engine's own check reports, independently of the lifecycle. */
export const HEALTH_STATES = [
  'healthy',
  'starting',
  'unhealthy',
  'unknown',
] as const;
export type HealthState = (typeof HEALTH_STATES)[number];

/** Steps inside `provisioning` and `deleting`, in the order they run. */
export const PROVISIONING_PHASES = [
  'requested',
  'host_provisioning',
  'host_ready',
  'engine_deploying',
  'engine_starting',
] as const;
export const DELETING_PHASES = ['engine_removing', 'host_destroying'] as const;
export type Phase =
  | (typeof PROVISIONING_PHASES)[number]
  | (typeof DELETING_PHASES)[number];

/**
 * A runtime's name as registered with the Manager (built in: local, docker; modules add
 * others, e.g. kubernetes, ec2). The Manager's registry is the only list of runtimes:
 * `GET /runtimes` tells which exist.
 */
export type RuntimeName = string;

export const runtimeNameSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,30}$/,
    'must be a runtime name: lowercase letters, digits and dashes (see GET /runtimes)',
  );

/** Typed reasons an instance failed; each runtime maps its errors onto these. */
export const FAULT_CODES = [
  'HOST_CAPACITY',
  'HOST_PERMISSION',
  'HOST_UNAVAILABLE',
  'IMAGE_PULL',
  'ENGINE_UNAVAILABLE',
  'ENGINE_START_FAILED',
  'ENGINE_TIMEOUT',
  'PROVISION_TIMEOUT',
  /** A stored secret cannot be opened with any configured key: nothing is destroyed. */
  'SECRET_UNREADABLE',
  'INTERNAL',
] as const;
export type FaultCode = (typeof FAULT_CODES)[number];

export interface Fault {
  phase: Phase | null;
  code: FaultCode;
  message: string;
}

/** Where to connect; never holds the password. */
export interface Endpoint {
  host: string;
  port: number;
  database: string;
  user: string;
}

export interface Instance {
  id: string;
  name: string;
  /** Entity ref of the owning group or user, e.g. `group:default/team-a`. */
  owner: string;
  flavorId: string;
  engine: Engine;
  version: string;
  storageGiB: number;
  runtime: RuntimeName;
  status: LifecycleStatus;
  health: HealthState;
  phase: Phase | null;
  /** Address of the host ("VM") once provisioned. */
  host: string | null;
  endpoint: Endpoint | null;
  deletionProtection: boolean;
  fault: Fault | null;
  /** Entity ref of the component or system the database serves. */
  component: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  readyAt: string | null;
  deletedAt: string | null;
}

export const EVENT_TYPES = [
  'created',
  'phase',
  'status',
  'health',
  'fault',
  'operation',
] as const;
export type InstanceEventType = (typeof EVENT_TYPES)[number];

/** One line of an instance's timeline. */
export interface InstanceEvent {
  id: number;
  instanceId: string;
  at: string;
  type: InstanceEventType;
  message: string;
  /** Who caused it: a user entity ref, or `dbaas` for the Manager itself. */
  actor: string;
  data: Record<string, unknown> | null;
}

export interface Credentials {
  host: string;
  port: number;
  database: string;
  username: string;
  password: string;
  /**
   * A connection URI with the password that asks clients to verify the server, e.g.
   * `postgresql://app:…@127.0.0.1:5432/app?sslmode=verify-full` or
   * `mysql://app:…@127.0.0.1:3306/app?ssl-mode=VERIFY_IDENTITY`.
   */
  uri: string;
  /** The CA certificate (PEM) to verify the server with, when it serves TLS. */
  ca?: string;
}

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
  })
  .strict();
export type CreateInstanceRequest = z.infer<typeof createInstanceRequestSchema>;

export const updateInstanceRequestSchema = z
  .object({ deletionProtection: z.boolean() })
  .strict();
export type UpdateInstanceRequest = z.infer<typeof updateInstanceRequestSchema>;

export const listInstancesQuerySchema = z
  .object({
    owner: z.union([entityRefSchema, z.array(entityRefSchema)]).optional(),
    status: z
      .union([z.enum(LIFECYCLE_STATUSES), z.array(z.enum(LIFECYCLE_STATUSES))])
      .optional(),
    flavor: z.string().optional(),
    engine: z.union([z.enum(ENGINES), z.array(z.enum(ENGINES))]).optional(),
    name: z.string().optional(),
    /** Case-insensitive substring of the name, owner or flavor. */
    search: z.string().max(100).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();
export type ListInstancesQuery = z.input<typeof listInstancesQuerySchema>;

export interface ListInstancesResponse {
  items: Instance[];
  totalCount: number;
}

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
export interface RuntimeInfo {
  name: RuntimeName;
  flavorIds: string[];
}

export interface ListRuntimesResponse {
  defaultRuntime: RuntimeName;
  items: RuntimeInfo[];
}

/** What `POST /admin/reseal` did. */
export interface ResealReport {
  keyId: string;
  resealed: number;
  alreadyCurrent: number;
  /** Instances with a secret no configured key opens. */
  unreadable: string[];
}

/** The caller of `GET /whoami`. */
export interface Principal {
  type: 'user' | 'service';
  /** A user's entity ref, or a service's subject (e.g. `external:ops-bot`). */
  ref: string;
}
