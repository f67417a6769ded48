import { CustomErrorBase } from '@backstage/errors';

/** 429: too many creates; `retryAfterSeconds` goes to the Retry-After header. */
export class TooManyRequestsError extends CustomErrorBase {
  name = 'TooManyRequestsError' as const;
  statusCode = 429;
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

/** 403: the owner's quota has no room for the request. */
export class QuotaExceededError extends CustomErrorBase {
  name = 'QuotaExceededError' as const;
  statusCode = 403;
}

/** 413: the request body is over the limit. */
export class PayloadTooLargeError extends CustomErrorBase {
  name = 'PayloadTooLargeError' as const;
  statusCode = 413;
}

/** 422: an Idempotency-Key used again with another request. */
export class IdempotencyKeyReusedError extends CustomErrorBase {
  name = 'IdempotencyKeyReusedError' as const;
  statusCode = 422;
}
