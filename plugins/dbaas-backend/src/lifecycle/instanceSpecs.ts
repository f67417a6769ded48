import { Flavor } from '@dbaas/plugin-dbaas-common';
import { EngineSpec, HostSpec } from '@dbaas/plugin-dbaas-node';
import { StoredInstance } from '../store/InstanceStore';

/** `orders-db` → `orders_db`: a name every engine takes unquoted. */
export function databaseName(instanceName: string) {
  return instanceName.replace(/-/g, '_');
}

/** What a runtime needs to make (or find) the instance's host. */
export function hostSpec(instance: StoredInstance, flavor: Flavor): HostSpec {
  return {
    instanceId: instance.id,
    instanceName: instance.name,
    owner: instance.owner,
    flavor,
    storageGiB: instance.storageGiB,
  };
}

/** What a runtime needs to run (or find) the instance's database server. */
export function engineSpec(
  instance: StoredInstance,
  flavor: Flavor,
): EngineSpec {
  const database = instance.databaseName ?? databaseName(instance.name);
  return {
    instanceId: instance.id,
    flavor,
    storageGiB: instance.storageGiB,
    database,
    username: `${database}_app`,
  };
}
