import { ResponseError } from '@backstage/errors';

/** The Manager's own message for a refused call (a 400 names the field), else the error's. */
export function apiErrorMessage(e: unknown): string {
  if (e instanceof ResponseError) {
    return e.body?.error?.message || e.message;
  }
  return (e as Error)?.message ?? String(e);
}
