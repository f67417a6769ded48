import { InputError } from '@backstage/errors';
import {
  createInstanceRequestSchema,
  DbaasApiOperations,
  listInstancesQuerySchema,
  updateInstanceRequestSchema,
} from '@dbaas/plugin-dbaas-common';
import express from 'express';
import { z } from 'zod';
import { issuePath } from '../config/readDbaasConfig';
import { PayloadTooLargeError } from './errors';

export const BODY_LIMIT = '16kb';

export const logsQuerySchema = z
  .object({ tail: z.coerce.number().int().min(1).max(5000).default(200) })
  .strict();

/**
 * The checks whose messages are written for people (`name: must be a DNS label …`), by the
 * spec's operationId. The spec rejects first; where one of these rejects the same input, its
 * message is the answer, and the spec's generic one only where none does.
 */
const CHECKS: Partial<
  Record<
    keyof DbaasApiOperations,
    { body?: z.ZodTypeAny; query?: z.ZodTypeAny }
  >
> = {
  createInstance: { body: createInstanceRequestSchema },
  updateInstance: { body: updateInstanceRequestSchema },
  listInstances: { query: listInstancesQuerySchema },
  getLogs: { query: logsQuerySchema },
};

export function parse<T extends z.ZodTypeAny>(
  schema: T,
  value: unknown,
  where: string,
): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    if (issue.code === 'unrecognized_keys') {
      throw new InputError(
        `${where}: unknown field(s) ${issue.keys.join(', ')}`,
      );
    }
    const { path, message } = issuePath(result.error);
    throw new InputError(`${path || where}: ${message}`);
  }
  return result.data;
}

/** body-parser's errors, reworded to name the field at fault. */
export function bodyParserErrors(
  error: Error & { type?: string },
  _req: express.Request,
  _res: express.Response,
  next: express.NextFunction,
) {
  if (error.type === 'entity.parse.failed') {
    next(new InputError(`body: malformed JSON (${error.message})`));
  } else if (error.type === 'entity.too.large') {
    next(
      new PayloadTooLargeError(`body: larger than the limit of ${BODY_LIMIT}`),
    );
  } else {
    next(error);
  }
}

/**
 * A request the spec rejected: the operation's own check says why where it rejects the input
 * too; otherwise the validator's message, its `request/body/x` paths reworded to name the
 * field (`storageGiB: must be >= 1`, `status.0: must be equal to one of the allowed values: …`).
 */
export function specErrors(
  error: Error,
  req: express.Request & { openapi?: { schema?: { operationId?: string } } },
  res: express.Response,
  next: express.NextFunction,
) {
  if (res.locals.dbaasSpecAccepted || !(error instanceof InputError)) {
    next(error);
    return;
  }
  const check =
    CHECKS[req.openapi?.schema?.operationId as keyof DbaasApiOperations];
  try {
    if (check?.body) parse(check.body, req.body ?? {}, 'body');
    if (check?.query) parse(check.query, req.query, 'query');
  } catch (checkError) {
    next(checkError);
    return;
  }
  next(
    new InputError(
      error.message.replace(
        /request\/(body|query|params|headers)((?:\/[^\s/]+)*) /g,
        (_match, where: string, field: string) =>
          `${field ? field.slice(1).replace(/\//g, '.') : where}: `,
      ),
    ),
  );
}
