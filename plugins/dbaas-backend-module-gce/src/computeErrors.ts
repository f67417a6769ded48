import { LoggerService } from '@backstage/backend-plugin-api';
import { FaultCode } from '@dbaas/plugin-dbaas-common';
import { RuntimeFault, StepContext } from '@dbaas/plugin-dbaas-node';
import { setTimeout as sleep } from 'timers/promises';
import { GceRuntimeConfig } from './config';

/**
 * The Compute API's answers as the faults an instance carries. Errors come from the client as
 * GoogleErrors (an HTTP status in `httpStatusCode`, a gRPC code in `code`), and from a finished
 * zone operation as its `error.errors[].code` (e.g. ZONE_RESOURCE_POOL_EXHAUSTED, QUOTA_EXCEEDED).
 */

/** A zone operation that finished with errors. */
export class OperationError extends Error {
  constructor(
    readonly codes: string[],
    message: string,
    readonly httpStatusCode?: number,
  ) {
    super(message);
    this.name = 'OperationError';
  }
}

/** A RuntimeFault that keeps the Compute reason, for callers that handle one reason. */
export class GceFault extends RuntimeFault {
  constructor(code: FaultCode, message: string, readonly reason: string) {
    super(code, message);
    this.name = 'GceFault';
  }
}

const NETWORK_ERRORS = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

// gRPC codes the REST transport maps HTTP answers to
const GRPC = {
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
};

/** The permissions each call needs, to name in a permission fault. */
const PERMISSIONS: Record<string, string> = {
  'instances.insert':
    "compute.instances.create, compute.disks.create, compute.instances.setMetadata, compute.instances.setLabels, compute.instances.setServiceAccount, compute.subnetworks.use, compute.images.useReadOnly and iam.serviceAccounts.actAs on the VMs' service account",
  'instances.get': 'compute.instances.get',
  'instances.list': 'compute.instances.list',
  'instances.delete': 'compute.instances.delete',
  'instances.stop': 'compute.instances.stop',
  'instances.start': 'compute.instances.start',
  'disks.get': 'compute.disks.get',
  'disks.list': 'compute.disks.list',
  'disks.delete': 'compute.disks.delete',
  'disks.resize': 'compute.disks.resize',
  'instances.setMachineType': 'compute.instances.setMachineType',
  'zoneOperations.wait': 'compute.zoneOperations.get',
};

/** What configuration a not-found or invalid answer points at, by its message. */
const CONFIG_HINTS: Array<[RegExp, string]> = [
  [/images|family/i, 'imageFamily / imageProject'],
  [/subnetworks/i, 'subnetwork'],
  [/networks/i, 'network'],
  [
    /machineTypes|machine type/i,
    'the flavor (runtimeHints.gce.machineType) or defaultMachineType',
  ],
  [/diskTypes|disk type/i, 'diskType'],
  [
    /cryptoKeys|kms/i,
    'kmsKeyName (and grant the Compute Engine service agent roles/cloudkms.cryptoKeyEncrypterDecrypter on it)',
  ],
  [/serviceAccount|service account/i, 'serviceAccountEmail'],
  [/zones\//i, 'zones'],
  [/projects\/[^/\s']+'?(\s|$)|project/i, 'project'],
];

interface ErrorShape {
  code?: number | string;
  httpStatusCode?: number;
  status?: number;
  message?: string;
  codes?: string[];
  name?: string;
}

function httpStatus(error: unknown): number | undefined {
  const e = error as ErrorShape;
  if (typeof e.httpStatusCode === 'number') return e.httpStatusCode;
  if (typeof e.status === 'number') return e.status;
  switch (e.code) {
    case GRPC.NOT_FOUND:
      return 404;
    case GRPC.PERMISSION_DENIED:
      return 403;
    case GRPC.UNAUTHENTICATED:
      return 401;
    case GRPC.RESOURCE_EXHAUSTED:
      return 429;
    case GRPC.UNAVAILABLE:
      return 503;
    case GRPC.INTERNAL:
      return 500;
    case GRPC.DEADLINE_EXCEEDED:
      return 504;
    default:
      return undefined;
  }
}

/** Removes anything that looks like a credential: bearer tokens, OAuth tokens, keys. */
export function redact(message: string): string {
  // key blocks first: their lines would otherwise be cut at the key's name
  return message
    .replace(
      /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
      '[redacted private key]',
    )
    .replace(/Bearer\s+[^\s"',]+/gi, 'Bearer [redacted]')
    .replace(/ya29\.[\w.-]+/g, '[redacted]')
    .replace(
      /("?(?:access_token|refresh_token|id_token|client_secret|private_key)"?\s*[:=]\s*)"?[^\s",}]+"?/gi,
      '$1[redacted]',
    );
}

function messageOf(error: unknown): string {
  return redact((error as Error)?.message ?? String(error));
}

/** The Compute reason codes an error carries (an operation's, or found in the message). */
function reasons(error: unknown): string[] {
  if (error instanceof OperationError) return error.codes;
  const found = messageOf(error).match(/\b[A-Z][A-Z_]{5,}[A-Z]\b/g) ?? [];
  return found;
}

export function isZoneExhausted(error: unknown): boolean {
  const all = [
    ...reasons(error),
    ...(error instanceof GceFault ? [error.reason] : []),
  ];
  return all.some(r => r.startsWith('ZONE_RESOURCE_POOL_EXHAUSTED'));
}

function isQuota(error: unknown): boolean {
  return (
    reasons(error).some(r => r === 'QUOTA_EXCEEDED') ||
    /quota .*exceeded|exceeded .*quota|quotaExceeded/i.test(messageOf(error))
  );
}

function isRateLimit(error: unknown): boolean {
  return /rate ?limit ?exceeded|rateLimitExceeded/i.test(messageOf(error));
}

export function isNotFound(error: unknown): boolean {
  return httpStatus(error) === 404;
}

/** Whether a call is worth repeating: 429, 5xx, rate limits and network errors (not quota or capacity). */
export function isRetryable(error: unknown): boolean {
  if (error instanceof RuntimeFault) return false;
  if (isQuota(error) || isZoneExhausted(error)) return false;
  const status = httpStatus(error);
  const code = (error as { code?: unknown }).code;
  return (
    status === 429 ||
    (status !== undefined && status >= 500) ||
    isRateLimit(error) ||
    (typeof code === 'string' && NETWORK_ERRORS.has(code)) ||
    NETWORK_ERRORS.has(
      String((error as { cause?: { code?: string } }).cause?.code ?? ''),
    )
  );
}

/** A Compute error as the fault an instance carries, naming what to fix; never a credential. */
export function toRuntimeFault(
  operation: string,
  error: unknown,
  config: Pick<GceRuntimeConfig, 'project'>,
): Error {
  if (error instanceof RuntimeFault) return error;
  if ((error as Error)?.name === 'AbortError') return error as Error;
  const message = messageOf(error);
  const status = httpStatus(error);
  const reason = reasons(error)[0] ?? (status ? `HTTP ${status}` : 'ERROR');
  const detail = `GCE ${operation} failed: ${message}`;
  if (isZoneExhausted(error)) {
    return new GceFault(
      'HOST_CAPACITY',
      `${detail} (the zone has no capacity for this machine type now: add zones to dbaas.runtimes.gce.zones, or use another machine type)`,
      'ZONE_RESOURCE_POOL_EXHAUSTED',
    );
  }
  if (isQuota(error)) {
    return new GceFault(
      'HOST_CAPACITY',
      `${detail} (a quota of project ${config.project} is used up: raise it in the console's Quotas page, or delete unused VMs and disks)`,
      'QUOTA_EXCEEDED',
    );
  }
  if (status === 403 || status === 401) {
    const needed = PERMISSIONS[operation] ?? `the permission for ${operation}`;
    return new GceFault(
      'HOST_PERMISSION',
      `${detail} (grant the backend's service account ${needed} in project ${config.project}; deploy/terraform/gcp has the custom role it needs)`,
      status === 401 ? 'UNAUTHENTICATED' : 'PERMISSION_DENIED',
    );
  }
  let hint = '';
  if (status === 404 || status === 400) {
    const key = CONFIG_HINTS.find(([pattern]) => pattern.test(message));
    if (key) hint = ` (check dbaas.runtimes.gce: ${key[1]})`;
  }
  return new GceFault('HOST_UNAVAILABLE', `${detail}${hint}`, reason);
}

export interface RetryOptions {
  maxAttempts: number;
  /** First delay; doubles per attempt (half of it jittered), up to 20 s. */
  baseDelayMs: number;
  logger: LoggerService;
  signal?: AbortSignal;
  config: Pick<GceRuntimeConfig, 'project'>;
}

/** Runs a Compute call, retrying 429, 5xx and network errors with exponential backoff. */
export async function withRetries<T>(
  operation: string,
  call: () => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await call();
    } catch (error) {
      if (!isRetryable(error) || attempt >= options.maxAttempts) {
        throw toRuntimeFault(operation, error, options.config);
      }
      const cap = Math.min(20_000, options.baseDelayMs * 2 ** (attempt - 1));
      const delay = Math.round(cap / 2 + (Math.random() * cap) / 2);
      options.logger.warn(
        `GCE ${operation}: HTTP ${httpStatus(error) ?? '-'} ${messageOf(
          error,
        ).slice(0, 200)}; retrying in ${delay} ms (attempt ${attempt + 1} of ${
          options.maxAttempts
        })`,
      );
      await sleep(delay, undefined, { signal: options.signal });
    }
  }
}

/** One Compute call with retries, logged to the step's log (or the runtime's, outside a step). */
export type GceCall = <T>(
  operation: string,
  ctx: StepContext | undefined,
  send: () => Promise<T>,
) => Promise<T>;

/** `withRetries` with the runtime's apiMaxAttempts, backing off from a fifth of its poll interval. */
export function createGceCall(
  config: Pick<
    GceRuntimeConfig,
    'apiMaxAttempts' | 'pollIntervalSeconds' | 'project'
  >,
  logger: LoggerService,
): GceCall {
  return (operation, ctx, send) =>
    withRetries(operation, send, {
      maxAttempts: config.apiMaxAttempts,
      baseDelayMs: config.pollIntervalSeconds * 200,
      logger: ctx?.logger ?? logger,
      signal: ctx?.signal,
      config,
    });
}

/** Our own retries (withRetries) log each one, so the client's are off. */
export const NO_CLIENT_RETRY = { retry: { retryCodes: [] as number[] } };
