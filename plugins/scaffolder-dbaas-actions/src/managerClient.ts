import {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { DbaasApi, DbaasClient } from '@dbaas/plugin-dbaas-common';

/** When an operation that can wait for the maintenance window runs. */
export type ApplyAt = 'immediately' | 'next-window';

/** The Manager's API as the actions use it: the shared typed client. */
export type ManagerApi = DbaasApi;

/**
 * What an action needs to call the DBaaS Manager as the user who started the task:
 * the typed client and a token issued on that user's behalf.
 */
export interface ManagerSession {
  api: ManagerApi;
  token: string;
}

export interface ManagerClientFactory {
  forCredentials(credentials: BackstageCredentials): Promise<ManagerSession>;
}

/**
 * Reaches the Manager through discovery, so an adopter's separate scaffolder deployment
 * works exactly as the dev portal does.
 */
export function createManagerClientFactory(deps: {
  discovery: DiscoveryService;
  auth: AuthService;
}): ManagerClientFactory {
  const api: ManagerApi = new DbaasClient({ discoveryApi: deps.discovery });
  return {
    async forCredentials(credentials) {
      const { token } = await deps.auth.getPluginRequestToken({
        onBehalfOf: credentials,
        targetPluginId: 'dbaas',
      });
      return { api, token };
    },
  };
}
