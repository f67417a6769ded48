import { Config } from '@backstage/config';
import {
  configIssue,
  Flavor,
  flavorSchema,
  InvalidConfigError,
  parseConfigBlock,
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
  dockerRuntimeSchema,
  readDockerRuntimeConfig,
} from '../runtimes/docker/config';
import {
  LocalRuntimeConfig,
  localRuntimeSchema,
  readLocalRuntimeConfig,
} from '../runtimes/local/config';
import { catalogSettingsSchema } from '../catalog/settings';

export interface Quota {
  maxInstances: number;
  maxStorageGiB: number;
}

/** Everything under `dbaas:` in app-config, read once at start-up. */
export interface DbaasConfig {
  flavors: Flavor[];
  defaultRuntime: RuntimeName;
  runtimes: {
    /** Its dataDir also holds the development key and, by default, backups, even when disabled. */
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
  warmPoolAbandonAfterMs: number;
}

/** Thrown at start-up for a wrong `dbaas:` config; the message names the key. */
export class DbaasConfigError extends InvalidConfigError {
  constructor(key: string, problem: string) {
    super(key, problem);
    this.name = 'DbaasConfigError';
  }
}

const quotaSchema = z
  .object({
    maxInstances: z.number().int().positive(),
    maxStorageGiB: z.number().int().positive(),
  })
  .strict();

const settingsSchema = z.object({
  defaultRuntime: runtimeNameSchema.optional(),
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
    .strict()
    .default({}),
  reconcile: z
    .object({ intervalSeconds: z.number().int().min(5).default(30) })
    .strict()
    .default({}),
  quotas: z
    .object({
      default: quotaSchema.default({ maxInstances: 10, maxStorageGiB: 500 }),
      owners: z.record(quotaSchema).default({}),
    })
    .strict()
    .default({}),
  rateLimit: z
    .object({
      creates: z
        .object({
          limit: z.number().int().positive().default(10),
          windowSeconds: z.number().int().positive().default(60),
        })
        .strict()
        .default({}),
    })
    .strict()
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
    .object({
      maxInstances: z.number().int().min(0).default(10),
      abandonAfterSeconds: z.number().int().min(10).default(600),
    })
    .strict()
    .default({}),
});

/**
 * Every key under `dbaas:`. Blocks other code reads in full are checked here for their shape
 * (flavors, the built-in runtimes, the catalog module's); a runtime module's block and a
 * backup store module's block are checked by that module (unknown runtime names by the plugin
 * once the modules have registered).
 */
const dbaasSchema = settingsSchema
  .extend({
    flavors: z.array(flavorSchema.strict()).default([]),
    runtimes: z
      .object({
        local: localRuntimeSchema.optional(),
        docker: dockerRuntimeSchema.optional(),
      })
      .catchall(z.unknown())
      .default({}),
    catalog: catalogSettingsSchema.optional(),
    backups: z.object({ store: z.unknown() }).strict().optional(),
  })
  .strict();

export function readDbaasConfig(config: Config): DbaasConfig {
  const root = config.getOptionalConfig('dbaas');
  const settings = parseConfigBlock(dbaasSchema, root?.get() ?? {}, 'dbaas');
  const flavors = settings.flavors;
  checkFlavorIds(flavors);
  const local = readLocalRuntimeConfig(
    root?.getOptionalConfig('runtimes.local'),
  );
  const defaultRuntime =
    settings.defaultRuntime ?? (local.enabled ? 'local' : undefined);
  if (!defaultRuntime) {
    throw new DbaasConfigError(
      'dbaas.defaultRuntime',
      'is required when the local runtime is disabled (dbaas.runtimes.local.enabled: false): name a configured runtime, e.g. docker, kubernetes or ec2',
    );
  }
  if (defaultRuntime === 'local' && !local.enabled) {
    throw new DbaasConfigError(
      'dbaas.defaultRuntime',
      "is 'local', but dbaas.runtimes.local.enabled is false: name a configured runtime",
    );
  }
  if (defaultRuntime !== 'local' && !root?.has(`runtimes.${defaultRuntime}`)) {
    throw new DbaasConfigError(
      'dbaas.defaultRuntime',
      `runtime '${defaultRuntime}' is not configured under dbaas.runtimes`,
    );
  }
  return {
    flavors,
    defaultRuntime,
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
    warmPoolAbandonAfterMs: settings.warmPool.abandonAfterSeconds * 1000,
  };
}

function checkFlavorIds(flavors: Flavor[]) {
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
}

/** Zod's first issue as a path like `a.b[2].c`. */
export function issuePath(error: z.ZodError): {
  path: string;
  message: string;
} {
  return configIssue(error);
}
