import { ConflictError, InputError } from '@backstage/errors';
import { Flavor } from '@dbaas/plugin-dbaas-common';
import { RuntimeRegistry } from '../runtimes';
import { StoredInstance } from '../store/InstanceStore';

/**
 * The flavor an instance may change to: configured, of its engine and version, holding its
 * storage, served by its runtime (400 naming `flavorId` and the flavors that fit); and the
 * runtime must be able to make its server again (409).
 */
export function checkFlavorChange(
  instance: StoredInstance,
  flavors: Map<string, Flavor>,
  runtimes: RuntimeRegistry,
  flavorId: string,
): Flavor {
  const runtime = runtimes.get(instance.runtime);
  const fits = (f: Flavor) =>
    f.engine === instance.engine &&
    f.version === instance.version &&
    instance.storageGiB >= f.storageGiB.min &&
    instance.storageGiB <= f.storageGiB.max &&
    !runtime?.unsupportedReason(f);
  const flavor = flavors.get(flavorId);
  if (!flavor || !fits(flavor)) {
    const why = !flavor
      ? `unknown flavor '${flavorId}'`
      : `flavor ${flavorId} is ${flavor.engine} ${flavor.version}, ${
          flavor.storageGiB.min
        }–${flavor.storageGiB.max} GiB${
          runtime?.unsupportedReason(flavor)
            ? ` (${runtime.unsupportedReason(flavor)})`
            : ''
        }`;
    const allowed = [...flavors.values()]
      .filter(f => fits(f) && f.id !== instance.flavorId)
      .map(f => f.id);
    throw new InputError(
      `flavorId: ${why}; ${instance.name} (${instance.engine} ${
        instance.version
      }, ${instance.storageGiB} GiB on ${instance.runtime}) can change to: ${
        allowed.join(', ') || 'none'
      }`,
    );
  }
  if (!runtime?.engine.replace) {
    throw new ConflictError(
      `${instance.name} runs on the ${instance.runtime} runtime, which cannot change flavors yet`,
    );
  }
  if (instance.status !== 'running') {
    throw new ConflictError(
      `Only a running database can change flavor; ${instance.name} is ${instance.status}`,
    );
  }
  return flavor;
}
