import { Flavor, flavorTitle, RuntimeName } from '@dbaas/plugin-dbaas-common';

/** What the flavor picker puts in the form: the template passes each part to the actions. */
export interface FlavorSelection {
  flavorId?: string;
  storageGiB?: number;
  runtime?: RuntimeName;
}

/** The problem with a selection, in words for the form, or undefined when it is valid. */
export function selectionProblem(
  selection: FlavorSelection | undefined,
  flavors: Flavor[],
): string | undefined {
  if (!selection?.flavorId) return 'Pick a flavor';
  const flavor = flavors.find(f => f.id === selection.flavorId);
  if (!flavor) {
    return `Unknown flavor ${selection.flavorId}; pick one of the list`;
  }
  const { min, max } = flavor.storageGiB;
  const storage = selection.storageGiB;
  if (
    storage === undefined ||
    !Number.isInteger(storage) ||
    storage < min ||
    storage > max
  ) {
    return `Storage must be a whole number of GiB between ${min} and ${max} for ${flavorTitle(
      flavor,
    )}`;
  }
  return undefined;
}

export function flavorLabel(flavor: Flavor): string {
  const memory =
    flavor.memoryMiB >= 1024
      ? `${flavor.memoryMiB / 1024} GiB`
      : `${flavor.memoryMiB} MiB`;
  return `${flavorTitle(flavor)} — ${flavor.engine} ${flavor.version}, ${
    flavor.cpu
  } vCPU, ${memory}, ${flavor.storageGiB.min}–${flavor.storageGiB.max} GiB`;
}
