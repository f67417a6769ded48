import { DbaasClient, Instance } from '@dbaas/plugin-dbaas-common';
import { Settings, UsageError } from './settings';

/** The Manager's typed client, pointed at `<url>/api/dbaas`, and the token to send. */
export function managerClient(settings: Settings) {
  const api = new DbaasClient({
    discoveryApi: {
      getBaseUrl: async pluginId => `${settings.url}/api/${pluginId}`,
    },
  });
  return { api, options: { token: settings.token } };
}

export type Manager = ReturnType<typeof managerClient>;

/** An instance by its name (unique while it lives) or its id. */
export async function findInstance(
  manager: Manager,
  nameOrId: string,
): Promise<Instance> {
  const { items } = await manager.api.listInstances(
    { name: nameOrId, limit: 1 },
    manager.options,
  );
  if (items[0]) return items[0];
  try {
    return await manager.api.getInstance(nameOrId, manager.options);
  } catch {
    throw new UsageError(
      `No database named or with id '${nameOrId}' that you can see`,
    );
  }
}
