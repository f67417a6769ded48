import { Config } from '@backstage/config';
import {
  Flavor,
  flavorSchema,
  RuntimeName,
  runtimeNameSchema,
} from '@dbaas/plugin-dbaas-common';
import { z } from 'zod';
import { EncryptionKey } from '../crypto/SecretBox';
import {
  ServiceAccessRule,
  serviceAccessSchema,
} from '../service/access/serviceAccess';
import {
  DockerRuntimeConfig,
  readDockerRuntimeConfig,
} from '../runtimes/docker/config';
import {
  LocalRuntimeConfig,
  readLocalRuntimeConfig,
} from '../runtimes/local/config';

export interface Quota {
  maxInstances: number;
  maxStorageGiB: number;
}

/** Everything under `dbaas:` in app-config, read once at start-up. */
export interface DbaasConfig {
  flavors: Flavor[];
  defaultRuntime: RuntimeName;
  runtimes: {
    local: LocalRuntimeConfig;
    docker?: DockerRuntimeConfig;
  };
  /** The key ring that seals stored secrets (first seals); empty: a generated development key. */
  encryptionKeys: EncryptionKey[];
  provisioningTimeoutMs: number;
  leaseMs: number;
  stepTimeoutMs: number;
  /** This replica's name in leases; none: one kept in `.dbaas/replica-id`. */
  replicaId?: string;
  reconcileIntervalSeconds: number;
  quotas: { default: Quota; owners: Record<string, Quota> };
  rateLimit: { creates: number; windowMs: number };
  /** What service principals may do beyond reading (see serviceAccess.ts). */
  serviceAccess: ServiceAccessRule[];
  /** The platform's cap on warm pool members, all flavors and runtimes together. */
  warmPoolMaxInstances: number;
}

/** Thrown at start-up for a wrong `dbaas:` config; the message names the key. */
export class DbaasConfigError extends Error {
  constructor(key: string, problem: string) {
    super(`Invalid app-config at '${key}': ${problem}`);
    this.name = 'DbaasConfigError';
  }
}

const quotaSchema = z.object({
  maxInstances: z.number().int().positive(),
  maxStorageGiB: z.number().int().positive(),
});

const settingsSchema = z.object({
  defaultRuntime: runtimeNameSchema.default('local'),
  replicaId: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/,
      'must be 1-63 letters, digits, dots, dashes or underscores',
    )
    .optional(),
  provisioning: z
    .object({
      timeoutSeconds: z.number().int().positive().default(600),
      leaseSeconds: z.number().int().min(2).default(30),
      stepTimeoutSeconds: z.number().int().positive().default(300),
    })
    .default({}),
  reconcile: z
    .object({ intervalSeconds: z.number().int().min(5).default(30) })
    .default({}),
  quotas: z
    .object({
      default: quotaSchema.default({ maxInstances: 10, maxStorageGiB: 500 }),
      owners: z.record(quotaSchema).default({}),
    })
    .default({}),
  rateLimit: z
    .object({
      creates: z
        .object({
          limit: z.number().int().positive().default(10),
          windowSeconds: z.number().int().positive().default(60),
        })
        .default({}),
    })
    .default({}),
  encryption: z
    .object({
      keys: z
        .array(
          z
            .object({
              id: z
                .string()
                .regex(
                  /^[A-Za-z0-9._-]{1,64}$/,
                  'must be 1 to 64 letters, digits, dots, dashes or underscores',
                ),
              secret: z.string().min(16, 'must be at least 16 characters'),
            })
            .strict(),
        )
        .default([])
        .refine(
          keys => new Set(keys.map(k => k.id)).size === keys.length,
          'key ids must be unique',
        ),
      key: z.string().min(16, 'must be at least 16 characters').optional(),
    })
    .strict()
    .default({}),
  serviceAccess: serviceAccessSchema,
  warmPool: z
    .object({ maxInstances: z.number().int().min(0).default(10) })
    .strict()
    .default({}),
});

export function readDbaasConfig(config: Config): DbaasConfig {
  const root = config.getOptionalConfig('dbaas');
  const settings = parseOrThrow(
    settingsSchema,
    {
      defaultRuntime: root?.getOptional('defaultRuntime'),
      replicaId: root?.getOptional('replicaId'),
      provisioning: root?.getOptional('provisioning'),
      reconcile: root?.getOptional('reconcile'),
      quotas: root?.getOptional('quotas'),
      rateLimit: root?.getOptional('rateLimit'),
      encryption: root?.getOptional('encryption'),
      serviceAccess: root?.getOptional('serviceAccess'),
      warmPool: root?.getOptional('warmPool'),
    },
    'dbaas',
  );
  const flavors = readFlavors(config);
  const local = readLocalRuntimeConfig(
    root?.getOptionalConfig('runtimes.local'),
  );
  if (
    settings.defaultRuntime !== 'local' &&
    !root?.has(`runtimes.${settings.defaultRuntime}`)
  ) {
    throw new DbaasConfigError(
      'dbaas.defaultRuntime',
      `runtime '${settings.defaultRuntime}' is not configured under dbaas.runtimes`,
    );
  }
  return {
    flavors,
    defaultRuntime: settings.defaultRuntime,
    runtimes: {
      local,
      docker: root?.has('runtimes.docker')
        ? readDockerRuntimeConfig(root.getConfig('runtimes.docker'))
        : undefined,
    },
    encryptionKeys: [
      ...settings.encryption.keys,
      ...(settings.encryption.key
        ? [{ id: 'default', secret: settings.encryption.key }]
        : []),
    ],
    provisioningTimeoutMs: settings.provisioning.timeoutSeconds * 1000,
    leaseMs: settings.provisioning.leaseSeconds * 1000,
    stepTimeoutMs: settings.provisioning.stepTimeoutSeconds * 1000,
    replicaId: settings.replicaId,
    reconcileIntervalSeconds: settings.reconcile.intervalSeconds,
    quotas: settings.quotas,
    rateLimit: {
      creates: settings.rateLimit.creates.limit,
      windowMs: settings.rateLimit.creates.windowSeconds * 1000,
    },
    serviceAccess: settings.serviceAccess,
    warmPoolMaxInstances: settings.warmPool.maxInstances,
  };
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

/** Zod's first issue as a path like `a.b[2].c`. */
export function issuePath(error: z.ZodError): {
  path: string;
  message: string;
} {
  const issue = error.issues[0];
  const path = issue.path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${p}`))
    .join('');
  return { path, message: issue.message };
}

function parseOrThrow<T extends z.ZodTypeAny>(
  schema: T,
  value: unknown,
  key: string,
): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) {
    return result.data;
  }
  const { path, message } = issuePath(result.error);
  const sep = path && !path.startsWith('[') ? '.' : '';
  throw new DbaasConfigError(`${key}${sep}${path}`, message);
}
