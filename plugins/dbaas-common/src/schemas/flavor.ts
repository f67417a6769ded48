import { z } from 'zod';
import { backupPolicyInputSchema } from './backup';
import { DbaasApiSchemas } from './api';
import { runtimeNameSchema } from './runtimeName';

/** Database engines a flavor can run. */
export type Engine = DbaasApiSchemas['Engine'];
export const ENGINES = [
  'postgresql',
  'mysql',
  'mariadb',
] as const satisfies readonly Engine[];

export const engineSchema = z.enum(ENGINES, {
  errorMap: () => ({ message: `must be one of ${ENGINES.join(', ')}` }),
});

export const storageBoundsSchema = z
  .object({
    min: z.number().int().positive(),
    max: z.number().int().positive(),
    default: z.number().int().positive(),
  })
  .refine(s => s.min <= s.default && s.default <= s.max, {
    message: 'must satisfy min <= default <= max',
  });

/**
 * A flavor is what a user picks: an engine at a version, packaged as a Docker image,
 * with the compute size and the storage it may ask for.
 */
export const flavorSchema = z.object({
  id: z
    .string()
    .regex(
      /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
      'must be lowercase letters, digits and dashes (at most 63)',
    ),
  title: z.string().min(1).optional(),
  description: z.string().optional(),
  engine: engineSchema,
  version: z.string().min(1),
  image: z.string().min(1),
  cpu: z.number().positive(),
  memoryMiB: z.number().int().positive(),
  storageGiB: storageBoundsSchema,
  /**
   * The runtimes that can serve it: where its image exists (or, for local, the engine version
   * is installed). Unset: every runtime that can run its engine. Others refuse it by name.
   */
  runtimes: z.array(runtimeNameSchema).min(1).optional(),
  /** Free-form settings for one runtime, e.g. `{ ec2: { instanceType: 't3.medium' } }`. */
  runtimeHints: z.record(z.record(z.unknown())).optional(),
  /**
   * Every engine serves TLS with a certificate from the Manager's CA; with `require`, it
   * refuses plain-text connections too (PostgreSQL `hostnossl … reject`, MariaDB/MySQL
   * `require_secure_transport`).
   */
  tls: z.object({ require: z.boolean() }).strict().optional(),
  /** The backup schedule and retention of its instances unless they set their own. */
  backup: backupPolicyInputSchema.optional(),
  /**
   * `size` servers kept initialised and started on each of `runtimes` (default: the default
   * runtime), with no user data, for creates to claim; replaced after `maxAgeHours` (24).
   */
  warmPool: z
    .object({
      size: z.number().int().min(1).max(50),
      maxAgeHours: z.number().positive().optional(),
      runtimes: z.array(z.string().min(1)).min(1).optional(),
    })
    .strict()
    .optional(),
}) satisfies z.ZodType<Flavor, z.ZodTypeDef, unknown>;

/** A flavor as the API answers it; `flavorSchema` checks one in the app-config. */
export type Flavor = DbaasApiSchemas['Flavor'];
export type StorageBounds = DbaasApiSchemas['StorageBounds'];

export function flavorTitle(flavor: Flavor): string {
  return flavor.title ?? `${flavor.engine} ${flavor.version}`;
}
