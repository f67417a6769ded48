import { LoggerService } from '@backstage/backend-plugin-api';
import { setTimeout as sleep } from 'timers/promises';
import { FaultCode } from '@dbaas/plugin-dbaas-common';
import { RuntimeFault, StepContext } from '@dbaas/plugin-dbaas-node';
import { Ec2RuntimeConfig } from './config';

const RETRYABLE = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'Unavailable',
  'RequestTimeout',
  'RequestTimeoutException',
]);

const NETWORK_ERRORS = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'TimeoutError',
]);

const CAPACITY = new Set([
  'InsufficientInstanceCapacity',
  'InstanceLimitExceeded',
  'VcpuLimitExceeded',
  'InsufficientFreeAddressesInSubnet',
  'VolumeLimitExceeded',
  'InsufficientVolumeCapacity',
  'KeyPairLimitExceeded',
]);

const PERMISSION = new Set([
  'UnauthorizedOperation',
  'AuthFailure',
  'AccessDenied',
  'AccessDeniedException',
  'Blocked',
  'OptInRequired',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'ExpiredToken',
  'ExpiredTokenException',
  'SignatureDoesNotMatch',
]);

/** What configuration an error points at, by its code and then its message. */
const CONFIG_HINTS: Array<[RegExp, string]> = [
  [/^InvalidAMIID/, 'amiId / amiSsmParameter'],
  [/^ParameterNotFound\b/, 'amiSsmParameter'],
  [/^InvalidSubnet/, 'subnetIds'],
  [/^InvalidGroup/, 'securityGroupIds'],
  [/^InvalidKMSKey|^KMS|\bKMS\b|kms key/i, 'kmsKeyId'],
  [
    /instance ?profile/i,
    'instanceProfileName (a profile made a moment ago takes a few seconds to be usable)',
  ],
  [
    /instance ?type/i,
    'the flavor (runtimeHints.ec2.instanceType) or defaultInstanceType',
  ],
];

/** A RuntimeFault that keeps the AWS error code, for callers that handle one code. */
export class AwsFault extends RuntimeFault {
  constructor(code: FaultCode, message: string, readonly awsCode: string) {
    super(code, message);
  }
}

export function awsErrorName(error: unknown): string {
  const e = error as { name?: string; Code?: string; code?: string };
  return e.Code ?? e.name ?? e.code ?? 'Error';
}

export function isRetryable(error: unknown): boolean {
  const name = awsErrorName(error);
  // EC2 answers some of these with a 5xx; retrying them only delays the next subnet
  if (CAPACITY.has(name) || PERMISSION.has(name)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } })
    .$metadata?.httpStatusCode;
  return (
    RETRYABLE.has(name) ||
    NETWORK_ERRORS.has(name) ||
    NETWORK_ERRORS.has((error as { code?: string }).code ?? '') ||
    (status !== undefined && status >= 500)
  );
}

/** The first sentence: AWS appends long encoded authorization messages to some errors. */
function shortMessage(error: unknown) {
  const message = (error as Error).message ?? String(error);
  return message.split(/\. Encoded authorization failure message/)[0];
}

/** An AWS error as the fault an instance carries, naming what to fix. */
export function toRuntimeFault(operation: string, error: unknown): Error {
  if (error instanceof RuntimeFault) return error;
  if ((error as Error).name === 'AbortError') return error as Error;
  const name = awsErrorName(error);
  const detail = `EC2 ${operation} failed: ${name}: ${shortMessage(error)}`;
  let code: FaultCode = 'HOST_UNAVAILABLE';
  let hint = '';
  if (CAPACITY.has(name)) {
    code = 'HOST_CAPACITY';
    hint =
      ' (try another instance type, subnet or Availability Zone, or raise the account quota)';
  } else if (PERMISSION.has(name)) {
    code = 'HOST_PERMISSION';
    hint =
      ' (the backend role lacks this permission; deploy/terraform/aws has the policy it needs)';
  } else {
    const config = CONFIG_HINTS.find(
      ([pattern]) => pattern.test(name) || pattern.test(shortMessage(error)),
    );
    if (config) hint = ` (check dbaas.runtimes.ec2: ${config[1]})`;
  }
  return new AwsFault(code, `${detail}${hint}`, name);
}

export interface RetryOptions {
  maxAttempts: number;
  /** First delay; doubles per attempt (half of it jittered), up to 20 s. */
  baseDelayMs: number;
  logger: LoggerService;
  signal?: AbortSignal;
}

/** Runs an AWS call, retrying throttling and transient errors with exponential backoff. */
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
        throw toRuntimeFault(operation, error);
      }
      const cap = Math.min(20_000, options.baseDelayMs * 2 ** (attempt - 1));
      const delay = Math.round(cap / 2 + (Math.random() * cap) / 2);
      options.logger.warn(
        `EC2 ${operation}: ${awsErrorName(
          error,
        )}; retrying in ${delay} ms (attempt ${attempt + 1} of ${
          options.maxAttempts
        })`,
      );
      await sleep(delay, undefined, { signal: options.signal });
    }
  }
}

/** One AWS call with retries, logged to the step's log (or the runtime's, outside a step). */
export type AwsCall = <T>(
  operation: string,
  ctx: StepContext | undefined,
  send: () => Promise<T>,
) => Promise<T>;

/** `withRetries` with the runtime's apiMaxAttempts, backing off from its poll interval. */
export function createAwsCall(
  config: Pick<Ec2RuntimeConfig, 'apiMaxAttempts' | 'pollIntervalSeconds'>,
  logger: LoggerService,
): AwsCall {
  return (operation, ctx, send) =>
    withRetries(operation, send, {
      maxAttempts: config.apiMaxAttempts,
      // a fifth of the poll interval: 1 s by default, short in tests
      baseDelayMs: config.pollIntervalSeconds * 200,
      logger: ctx?.logger ?? logger,
      signal: ctx?.signal,
    });
}
