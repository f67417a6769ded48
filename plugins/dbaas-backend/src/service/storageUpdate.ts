import { ConflictError, InputError } from '@backstage/errors';
import { Flavor, StoragePolicyInput } from '@dbaas/plugin-dbaas-common';
import { Quota } from '../config/readDbaasConfig';
import { requestResize } from '../lifecycle/storageResize';
import {
  InstanceStore,
  StaleInstanceError,
  StoredInstance,
} from '../store/InstanceStore';
import { QuotaExceededError } from './errors';

/**
 * An instance's auto-grow settings from a create's or a PATCH's `storage`: `maxGiB` within
 * the flavor's bounds and not below the instance's size (400 naming the field).
 */
export function resolveStoragePolicy(
  flavor: Flavor,
  storageGiB: number,
  input: StoragePolicyInput | undefined,
  current: { autoGrow: boolean; maxGiB: number | null } = {
    autoGrow: false,
    maxGiB: null,
  },
) {
  const autoGrow = input?.autoGrow ?? current.autoGrow;
  const maxGiB = input?.maxGiB === undefined ? current.maxGiB : input.maxGiB;
  const { max } = flavor.storageGiB;
  // a size grown past an earlier maximum leaves that maximum as it is: auto-grow stops there
  if (
    input?.maxGiB !== undefined &&
    input.maxGiB !== null &&
    (input.maxGiB < storageGiB || input.maxGiB > max)
  ) {
    throw new InputError(
      `storage.maxGiB: must be between the instance's ${storageGiB} GiB and flavor ${flavor.id}'s maximum of ${max} GiB (got ${input.maxGiB})`,
    );
  }
  return { storageAutoGrow: autoGrow, storageMaxGiB: maxGiB };
}

/**
 * Whether the instance's storage may grow to `storageGiB`: only up, within the flavor's
 * bounds (400), on a running instance with no other operation under way (409 naming the state).
 */
export function checkGrowth(
  instance: StoredInstance,
  flavor: Flavor,
  storageGiB: number,
) {
  const { max } = flavor.storageGiB;
  if (storageGiB > max) {
    throw new InputError(
      `storageGiB: must be at most ${max} GiB for flavor ${flavor.id} (got ${storageGiB})`,
    );
  }
  if (storageGiB < instance.storageGiB) {
    throw new ConflictError(
      `storageGiB: storage only grows; ${instance.name} has ${instance.storageGiB} GiB (asked for ${storageGiB})`,
    );
  }
  if (instance.operation) {
    throw new ConflictError(
      `${instance.name} has a ${instance.operation.type} under way (asked by ${instance.operation.requestedBy}); resize it once that is done`,
    );
  }
  if (instance.status !== 'running') {
    throw new ConflictError(
      `Only a running database's storage can grow; ${instance.name} is ${instance.status}`,
    );
  }
}

/** Asks for the storage to grow (see checkGrowth), within the owner's quota (403). */
export async function requestStorageGrowth(
  deps: { store: InstanceStore; quota: Quota },
  instance: StoredInstance,
  flavor: Flavor,
  storageGiB: number,
  actor: string,
): Promise<StoredInstance> {
  checkGrowth(instance, flavor, storageGiB);
  const usage = await deps.store.usage(instance.owner);
  const more = storageGiB - instance.storageGiB;
  if (usage.storageGiB + more > deps.quota.maxStorageGiB) {
    throw new QuotaExceededError(
      `Quota exceeded: ${instance.owner} uses ${usage.storageGiB} of ${deps.quota.maxStorageGiB} GiB; ${more} GiB more does not fit`,
    );
  }
  try {
    return await requestResize(deps.store, instance, {
      storageGiB,
      actor,
      message: `storage resize from ${instance.storageGiB} to ${storageGiB} GiB requested by ${actor}`,
    });
  } catch (error) {
    if (error instanceof StaleInstanceError) {
      throw new ConflictError(
        `${instance.name} changed meanwhile; look again and retry`,
      );
    }
    throw error;
  }
}
