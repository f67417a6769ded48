import { Flavor } from '@dbaas/plugin-dbaas-common';

/**
 * A GCE machine type name: a predefined one (e2-medium, n2-standard-4, c3-highmem-8,
 * n4-standard-4-lssd, e2-micro) or a custom one (custom-4-8192, n2-custom-2-4096-ext).
 */
const MACHINE_TYPE =
  /^(?:[a-z][a-z0-9]*-(?:[a-z]+|custom)(?:-\d+)*(?:-[a-z]+)?|custom-\d+-\d+(?:-ext)?)$/;

/** Why a flavor's `runtimeHints.gce` cannot be used, or undefined when it can. */
export function machineTypeProblem(flavor: Flavor): string | undefined {
  const hints = flavor.runtimeHints?.gce ?? {};
  const unknown = Object.keys(hints).filter(k => k !== 'machineType');
  if (unknown.length) {
    return `flavor ${
      flavor.id
    }: runtimeHints.gce has unknown key(s) ${unknown.join(
      ', ',
    )}; allowed: machineType`;
  }
  const type = hints.machineType;
  if (
    type !== undefined &&
    !(typeof type === 'string' && type.length <= 63 && MACHINE_TYPE.test(type))
  ) {
    return `flavor ${flavor.id}: runtimeHints.gce.machineType must be a Compute Engine machine type such as e2-medium or n2-standard-4`;
  }
  return undefined;
}

/** Whether a configured default machine type has the shape of one. */
export function isMachineTypeName(type: string): boolean {
  return type.length <= 63 && MACHINE_TYPE.test(type);
}

/** The machine type a flavor's VM is created as: its hint, or the configured default. */
export function machineTypeFor(
  flavor: Flavor,
  defaultMachineType: string,
): string {
  const hint = flavor.runtimeHints?.gce?.machineType;
  return typeof hint === 'string' ? hint : defaultMachineType;
}
