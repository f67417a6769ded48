import {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  CreateDatabaseUserRequest,
  DatabaseUser,
  DbaasApi,
  DbaasClient,
  DbaasRequestOptions,
  Instance,
} from '@dbaas/plugin-dbaas-common';

/** When an operation that can wait for the maintenance window runs. */
export type ApplyAt = 'immediately' | 'next-window';

/**
 * The Manager's API as the actions use it: the shared client, with the calls of day-2
 * operations it may not have yet (`applyAt` on restart and upgrade, users), made here.
 */
export interface ManagerApi extends DbaasApi {
  /** As DbaasApi's, with `applyAt: 'next-window'` to run it in the maintenance window. */
  restartInstance(
    id: string,
    options?: DbaasRequestOptions & { applyAt?: ApplyAt },
  ): Promise<Instance>;
  /** Moves the server to its flavor's current image on the same data; `applyAt` as for restart. */
  upgradeInstance(
    id: string,
    options?: DbaasRequestOptions & { applyAt?: ApplyAt },
  ): Promise<Instance>;
  /** Makes a user in the background (`create-user` operation); answered `creating`. */
  createDatabaseUser(
    id: string,
    request: CreateDatabaseUserRequest,
    options?: DbaasRequestOptions,
  ): Promise<DatabaseUser>;
}

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

/** The shared client, plus the day-2 calls it may lack, over the same discovery. */
class ManagerClient extends DbaasClient implements ManagerApi {
  private readonly managerDiscovery: DiscoveryService;

  constructor(discovery: DiscoveryService) {
    super({ discoveryApi: discovery });
    this.managerDiscovery = discovery;
  }

  restartInstance(
    id: string,
    options?: DbaasRequestOptions & { applyAt?: ApplyAt },
  ): Promise<Instance> {
    return this.post(`/instances/${encodeURIComponent(id)}/restart`, options);
  }

  upgradeInstance(
    id: string,
    options?: DbaasRequestOptions & { applyAt?: ApplyAt },
  ): Promise<Instance> {
    return this.post(`/instances/${encodeURIComponent(id)}/upgrade`, options);
  }

  createDatabaseUser(
    id: string,
    request: CreateDatabaseUserRequest,
    options?: DbaasRequestOptions,
  ): Promise<DatabaseUser> {
    return this.post(
      `/instances/${encodeURIComponent(id)}/users`,
      options,
      request,
    );
  }

  /** A POST as the shared client sends it: bearer token, Idempotency-Key, the Manager's message on errors. */
  private async post<T>(
    path: string,
    options?: DbaasRequestOptions & { applyAt?: ApplyAt },
    body?: unknown,
  ): Promise<T> {
    const baseUrl = await this.managerDiscovery.getBaseUrl('dbaas');
    const query = options?.applyAt
      ? `?${new URLSearchParams({ applyAt: options.applyAt })}`
      : '';
    const headers = new Headers();
    if (options?.token) headers.set('Authorization', `Bearer ${options.token}`);
    if (options?.idempotencyKey) {
      headers.set('Idempotency-Key', options.idempotencyKey);
    }
    if (body !== undefined) headers.set('Content-Type', 'application/json');
    const response = await fetch(`${baseUrl}${path}${query}`, {
      method: 'POST',
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) {
      const error = await ResponseError.fromResponse(response);
      const detail = error.body?.error?.message;
      if (detail) error.message = `${error.message}: ${detail}`;
      throw error;
    }
    return (await response.json()) as T;
  }
}

/**
 * Reaches the Manager through discovery, so an adopter's separate scaffolder deployment
 * works exactly as the dev portal does.
 */
export function createManagerClientFactory(deps: {
  discovery: DiscoveryService;
  auth: AuthService;
}): ManagerClientFactory {
  const api = new ManagerClient(deps.discovery);
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
