import { HttpAuthService, LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError } from '@backstage/errors';
import crypto from 'crypto';
import { NextFunction, Request, Response } from 'express';
import { IdempotencyStore } from '../store/IdempotencyStore';
import { actorOf } from './access/principal';
import { IdempotencyKeyReusedError } from './errors';

const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * `Idempotency-Key` on a POST: the same key and request from the same caller within a day get
 * the first (successful) answer again, marked `Idempotent-Replayed: true`; the same key with
 * another request is refused (422); a key whose first request still runs answers 409. Only
 * a 2xx is kept: after a refusal or an error a retry runs again.
 */
export function idempotent(deps: {
  store: IdempotencyStore;
  httpAuth: HttpAuthService;
  logger: LoggerService;
}) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const key = req.header('Idempotency-Key');
      if (key === undefined) {
        next();
        return;
      }
      if (!KEY.test(key)) {
        throw new InputError(
          'Idempotency-Key: must be 1 to 255 visible ASCII characters (e.g. a UUID)',
        );
      }
      const caller = actorOf(await deps.httpAuth.credentials(req));
      const requestHash = hashOf(req);
      const found = await deps.store.reserve(caller, key, requestHash);
      if (found) {
        if (found.requestHash !== requestHash) {
          throw new IdempotencyKeyReusedError(
            `Idempotency-Key '${key}' was first used with another request; use a new key for a new request`,
          );
        }
        if (!found.response) {
          throw new ConflictError(
            `Idempotency-Key '${key}': the first request with this key is still running; retry in a moment`,
          );
        }
        res.setHeader('Idempotent-Replayed', 'true');
        res.status(found.response.status).json(found.response.body);
        return;
      }
      keepAnswer(res, answer => {
        const done = answer
          ? deps.store.answer(caller, key, answer)
          : deps.store.forget(caller, key);
        done.catch(error =>
          deps.logger.warn(`Could not record Idempotency-Key ${key}: ${error}`),
        );
      });
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** Calls `settle` once: with the answer when it is a 2xx JSON body, else with nothing. */
function keepAnswer(
  res: Response,
  settle: (answer?: { status: number; body: unknown }) => void,
) {
  let settled = false;
  const once = (answer?: { status: number; body: unknown }) => {
    if (settled) return;
    settled = true;
    settle(answer);
  };
  const json = res.json.bind(res);
  res.json = (body: unknown) => {
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    once(ok ? { status: res.statusCode, body } : undefined);
    return json(body);
  };
  res.on('close', () => once());
}

function hashOf(req: Request) {
  return crypto
    .createHash('sha256')
    .update(`${req.method} ${req.originalUrl}\n`)
    .update(canonicalJson(req.body ?? null))
    .digest('hex');
}

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` are the same request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map(
        k =>
          `${JSON.stringify(k)}:${canonicalJson(
            (value as Record<string, unknown>)[k],
          )}`,
      )
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
