import { z } from 'zod';

/** A wrong app-config value, found at start-up: the message names the key and what it may be. */
export class InvalidConfigError extends Error {
  constructor(readonly key: string, problem: string) {
    super(`Invalid app-config at '${key}': ${problem}`);
    this.name = 'InvalidConfigError';
  }
}

/**
 * Parses one app-config block (`value`, e.g. `config.getOptional('dbaas.runtimes.docker')`)
 * with a schema whose objects are `.strict()`, and throws an {@link InvalidConfigError} naming
 * the full key of the first problem: an unknown key comes with the keys allowed there.
 */
export function parseConfigBlock<T extends z.ZodTypeAny>(
  schema: T,
  value: unknown,
  key: string,
): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const { path, message } = configIssue(result.error, schema);
  throw new InvalidConfigError(joinKey(key, path), message);
}

/** `a` + `b[2].c` → `a.b[2].c`; `a` + `[2]` → `a[2]`. */
export function joinKey(key: string, path: string) {
  if (!path) return key;
  return path.startsWith('[') ? `${key}${path}` : `${key}.${path}`;
}

/** Zod's first issue as a path like `b[2].c` and a message; an unknown key is named in the path. */
export function configIssue(
  error: z.ZodError,
  schema?: z.ZodTypeAny,
): { path: string; message: string } {
  const issue = error.issues[0];
  const segments = [...issue.path];
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    segments.push(issue.keys[0]);
    const allowed = schema && objectKeysAt(schema, issue.path);
    message = `unknown key '${issue.keys[0]}'${
      allowed ? `; allowed here: ${allowed.join(', ')}` : ''
    }`;
  }
  return {
    path: segments
      .map((p, i) =>
        typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`,
      )
      .join(''),
    message,
  };
}

/** The keys of the object schema found by following `path` into `schema`. */
function objectKeysAt(
  schema: z.ZodTypeAny,
  path: (string | number)[],
): string[] | undefined {
  let at: z.ZodTypeAny | undefined = unwrap(schema);
  for (const segment of path) {
    if (at instanceof z.ZodObject) at = at.shape[segment];
    else if (at instanceof z.ZodArray) at = at.element;
    else if (at instanceof z.ZodRecord) at = at.valueSchema;
    else return undefined;
    at = at && unwrap(at);
  }
  return at instanceof z.ZodObject ? Object.keys(at.shape) : undefined;
}

function unwrap(schema: z.ZodTypeAny): z.ZodTypeAny {
  let at = schema;
  for (;;) {
    if (at instanceof z.ZodOptional || at instanceof z.ZodNullable) {
      at = at.unwrap();
    } else if (at instanceof z.ZodDefault) {
      at = at.removeDefault();
    } else if (at instanceof z.ZodEffects) {
      at = at.innerType();
    } else {
      return at;
    }
  }
}

/**
 * A number in app-config, also as the string an environment variable substitutes
 * (`${MAX_INSTANCES}` → "50"), as Backstage's `getOptionalNumber` reads it.
 */
export function configNumber() {
  return z.preprocess(
    value =>
      typeof value === 'string' && value.trim() !== '' && !isNaN(Number(value))
        ? Number(value)
        : value,
    z.number(),
  );
}

/**
 * A boolean in app-config, also as a string (`true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0`,
 * `y`/`n`) from an environment variable, as Backstage's `getOptionalBoolean` reads it.
 */
export function configBoolean() {
  return z.preprocess(value => {
    if (typeof value !== 'string' && typeof value !== 'number') return value;
    const text = String(value).trim();
    if (/^(?:y|yes|true|1|on)$/i.test(text)) return true;
    if (/^(?:n|no|false|0|off)$/i.test(text)) return false;
    return value;
  }, z.boolean());
}
