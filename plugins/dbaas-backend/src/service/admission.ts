import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import {
  CreateInstanceRequest,
  Flavor,
  Instance,
} from '@dbaas/plugin-dbaas-common';
import { Quota } from '../config/readDbaasConfig';
import { RuntimeRegistry } from '../runtimes';
import { Usage } from '../store/InstanceStore';
import { QuotaExceededError } from './errors';

/**
 * The checks a create request passes before anything is recorded, as pure functions: each
 * throws a 4xx that names the field and what is allowed.
 */

export function resolveFlavor(flavors: Map<string, Flavor>, id: string) {
  const flavor = flavors.get(id);
  if (!flavor) {
    throw new InputError(
      `flavorId: unknown flavor '${id}'; valid flavors: ${
        [...flavors.keys()].join(', ') || 'none are configured'
      }`,
    );
  }
  return flavor;
}

export function resolveStorage(flavor: Flavor, requested?: number) {
  const storageGiB = requested ?? flavor.storageGiB.default;
  const { min, max } = flavor.storageGiB;
  if (storageGiB < min || storageGiB > max) {
    throw new InputError(
      `storageGiB: must be between ${min} and ${max} GiB for flavor ${flavor.id} (got ${storageGiB})`,
    );
  }
  return storageGiB;
}

/** The runtime must be registered and able to serve the flavor; the error lists those that can. */
export function checkRuntime(
  runtimes: RuntimeRegistry,
  name: Instance['runtime'],
  flavor: Flavor,
) {
  const able = runtimes
    .list()
    .filter(r => !r.unsupportedReason(flavor))
    .map(r => r.name);
  const runtime = runtimes.get(name);
  if (!runtime) {
    throw new InputError(
      `runtime: '${name}' is not configured; configured runtimes: ${runtimes
        .names()
        .join(', ')}`,
    );
  }
  const reason = runtime.unsupportedReason(flavor);
  if (reason) {
    throw new InputError(
      `runtime: '${name}' cannot serve flavor ${flavor.id} (${reason}); ${
        able.length
          ? `runtimes that can: ${able.join(', ')}`
          : 'no configured runtime can serve it'
      }`,
    );
  }
}

/** Throws when the owner's quota has no room for one more instance of this size. */
export function admitQuota(
  quotas: { default: Quota; owners: Record<string, Quota> },
  owner: string,
  storageGiB: number,
  usage: Usage,
) {
  const quota = quotas.owners[owner] ?? quotas.default;
  if (usage.instances + 1 > quota.maxInstances) {
    throw new QuotaExceededError(
      `Quota exceeded: ${owner} has ${usage.instances} of ${quota.maxInstances} databases; delete one or ask your platform team to raise dbaas.quotas`,
    );
  }
  if (usage.storageGiB + storageGiB > quota.maxStorageGiB) {
    throw new QuotaExceededError(
      `Quota exceeded: ${owner} uses ${usage.storageGiB} of ${quota.maxStorageGiB} GiB; ${storageGiB} GiB more does not fit`,
    );
  }
}

/** `team-a` → `group:default/team-a`; a malformed ref is a 400 naming the field. */
export function normalizeRef(ref: string, defaultKind: string, field: string) {
  try {
    return stringifyEntityRef(
      parseEntityRef(ref, { defaultKind, defaultNamespace: 'default' }),
    );
  } catch (error) {
    throw new InputError(`${field}: ${(error as Error).message}`);
  }
}

/** What a dry run answers: the instance as it would be recorded, with the id `dry-run`. */
export function dryRunInstance(p: {
  request: CreateInstanceRequest;
  flavor: Flavor;
  storageGiB: number;
  runtimeName: Instance['runtime'];
  owner: string;
  component: string | null;
  user: string;
}): Instance {
  const now = new Date().toISOString();
  return {
    id: 'dry-run',
    name: p.request.name,
    owner: p.owner,
    flavorId: p.flavor.id,
    engine: p.flavor.engine,
    version: p.flavor.version,
    storageGiB: p.storageGiB,
    runtime: p.runtimeName,
    status: 'provisioning',
    health: 'unknown',
    phase: 'requested',
    host: null,
    endpoint: null,
    deletionProtection: p.request.deletionProtection ?? false,
    fault: null,
    component: p.component,
    createdBy: p.user,
    createdAt: now,
    updatedAt: now,
    readyAt: null,
    deletedAt: null,
  };
}
