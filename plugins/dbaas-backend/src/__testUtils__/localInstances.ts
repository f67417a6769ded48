import { Flavor } from '@dbaas/plugin-dbaas-common';
import crypto from 'crypto';
import { EngineSecrets, EngineSpec, HostSpec } from '@dbaas/plugin-dbaas-node';

/**
 * A new instance as the Manager makes it for a runtime: its engine spec (database `name`, user
 * `name_app`, with `-` as `_`), the host it asks for, and fresh passwords.
 */
export function newInstanceSpec(flavor: Flavor, name = 'orders') {
  const instanceId = crypto.randomUUID();
  const database = name.replace(/-/g, '_');
  const spec: EngineSpec = {
    instanceId,
    flavor,
    storageGiB: 1,
    database,
    username: `${database}_app`,
  };
  const hostSpec: HostSpec = {
    instanceId,
    instanceName: name,
    owner: 'group:default/team',
    flavor,
    storageGiB: 1,
  };
  const secrets: EngineSecrets = {
    password: crypto.randomBytes(18).toString('base64url'),
    adminPassword: crypto.randomBytes(18).toString('base64url'),
  };
  return { spec, hostSpec, secrets };
}
