import { Config } from '@backstage/config';
import { Flavor, flavorSchema } from '@dbaas/plugin-dbaas-common';
import { z } from 'zod';

/** Everything under `dbaas:` in app-config, read once at start-up. */
export interface DbaasConfig {
  flavors: Flavor[];
}

/** Thrown at start-up for a wrong `dbaas:` config; the message names the key. */
export class DbaasConfigError extends Error {
  constructor(key: string, problem: string) {
    super(`Invalid app-config at '${key}': ${problem}`);
    this.name = 'DbaasConfigError';
  }
}

export function readDbaasConfig(config: Config): DbaasConfig {
  return { flavors: readFlavors(config) };
}

function readFlavors(config: Config): Flavor[] {
  const raw = config.getOptional<unknown[]>('dbaas.flavors') ?? [];
  if (!Array.isArray(raw)) {
    throw new DbaasConfigError('dbaas.flavors', 'must be a list of flavors');
  }
  const flavors = raw.map((entry, index) =>
    parseOrThrow(flavorSchema, entry, `dbaas.flavors[${index}]`),
  );
  const seen = new Set<string>();
  flavors.forEach((flavor, index) => {
    if (seen.has(flavor.id)) {
      throw new DbaasConfigError(
        `dbaas.flavors[${index}].id`,
        `duplicate flavor id '${flavor.id}'`,
      );
    }
    seen.add(flavor.id);
  });
  return flavors;
}

export function parseOrThrow<T extends z.ZodTypeAny>(
  schema: T,
  value: unknown,
  key: string,
): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) {
    return result.data;
  }
  const issue = result.error.issues[0];
  const path = issue.path
    .map(p => (typeof p === 'number' ? `[${p}]` : `.${p}`))
    .join('');
  throw new DbaasConfigError(`${key}${path}`, issue.message);
}
