import { DbaasClient, Instance } from '@dbaas/plugin-dbaas-common';
import { Settings, UsageError } from './settings';

const TRANSIENT = ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ETIMEDOUT'];

/**
 * fetch that asks again when a read loses its connection (a keep-alive socket the server
 * closed just then, a proxy restarting): reads are safe to repeat, writes are not.
 */
export async function retryingFetch(
  input: Parameters<typeof fetch>[0],
  init?: Parameters<typeof fetch>[1],
): Promise<Response> {
  const method = (init?.method ?? 'GET').toUpperCase();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(input, init);
    } catch (error) {
      const code = ((error as Error).cause as { code?: string } | undefined)
        ?.code;
      const transient =
        (error as Error).name === 'TypeError' && TRANSIENT.includes(code ?? '');
      if (!transient || method !== 'GET' || attempt >= 4) throw error;
      await new Promise(resolve => setTimeout(resolve, 250 * attempt));
    }
  }
}

/** The Manager's typed client, pointed at `<url>/api/dbaas`, and the token to send. */
export function managerClient(settings: Settings) {
  const api = new DbaasClient({
    discoveryApi: {
      getBaseUrl: async pluginId => `${settings.url}/api/${pluginId}`,
    },
    fetchApi: { fetch: retryingFetch },
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

/**
 * An instance by its name or id, a deleted one too (its backups outlive it): the live one
 * first, else the latest deleted one of that name or with that id.
 */
export async function findInstanceOrDeleted(
  manager: Manager,
  nameOrId: string,
): Promise<Instance> {
  try {
    return await findInstance(manager, nameOrId);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const { items } = await manager.api.listInstances(
      { name: nameOrId, status: ['deleted'], limit: 500 },
      manager.options,
    );
    const byName = items
      .filter(i => i.name === nameOrId)
      .sort((a, b) => (b.deletedAt ?? '').localeCompare(a.deletedAt ?? ''));
    if (byName[0]) return byName[0];
    const deleted = await manager.api.listInstances(
      { status: ['deleted'], limit: 500 },
      manager.options,
    );
    const byId = deleted.items.find(i => i.id === nameOrId);
    if (byId) return byId;
    throw error;
  }
}
