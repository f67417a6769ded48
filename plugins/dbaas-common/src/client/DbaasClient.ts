import { ResponseError } from '@backstage/errors';
import { Flavor } from '../schemas/flavor';
import {
  CreateInstanceRequest,
  Credentials,
  Instance,
  InstanceEvent,
  ListInstancesQuery,
  ListInstancesResponse,
  ListRuntimesResponse,
  Principal,
  ResealReport,
  UpdateInstanceRequest,
} from '../schemas/instance';
import { DbaasApi, DbaasRequestOptions } from './DbaasApi';

/** The part of Backstage's DiscoveryApi / DiscoveryService the client needs. */
export interface DbaasDiscovery {
  getBaseUrl(pluginId: string): Promise<string>;
}

/** Typed HTTP client of the DBaaS Manager; runs in the browser and in Node. */
export class DbaasClient implements DbaasApi {
  private readonly discovery: DbaasDiscovery;
  private readonly fetchFn: typeof fetch;

  constructor(options: {
    discoveryApi: DbaasDiscovery;
    fetchApi?: { fetch: typeof fetch };
  }) {
    this.discovery = options.discoveryApi;
    this.fetchFn = options.fetchApi?.fetch ?? ((...args) => fetch(...args));
  }

  whoami(options?: DbaasRequestOptions): Promise<Principal> {
    return this.request('/whoami', options);
  }

  async listFlavors(options?: DbaasRequestOptions): Promise<Flavor[]> {
    const body = await this.request<{ items: Flavor[] }>('/flavors', options);
    return body.items;
  }

  listRuntimes(options?: DbaasRequestOptions): Promise<ListRuntimesResponse> {
    return this.request('/runtimes', options);
  }

  createInstance(
    request: CreateInstanceRequest,
    options?: DbaasRequestOptions & { dryRun?: boolean },
  ): Promise<Instance> {
    const path = options?.dryRun ? '/instances?dryRun=true' : '/instances';
    return this.request(path, options, {
      method: 'POST',
      body: JSON.stringify(request),
    });
  }

  deployInstance(id: string, options?: DbaasRequestOptions): Promise<Instance> {
    return this.request(
      `/instances/${encodeURIComponent(id)}/deploy`,
      options,
      {
        method: 'POST',
      },
    );
  }

  listInstances(
    query: ListInstancesQuery = {},
    options?: DbaasRequestOptions,
  ): Promise<ListInstancesResponse> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      for (const item of [value].flat()) {
        if (item !== undefined) params.append(key, String(item));
      }
    }
    const qs = params.toString();
    return this.request(`/instances${qs ? `?${qs}` : ''}`, options);
  }

  getInstance(id: string, options?: DbaasRequestOptions): Promise<Instance> {
    return this.request(`/instances/${encodeURIComponent(id)}`, options);
  }

  updateInstance(
    id: string,
    request: UpdateInstanceRequest,
    options?: DbaasRequestOptions,
  ): Promise<Instance> {
    return this.request(`/instances/${encodeURIComponent(id)}`, options, {
      method: 'PATCH',
      body: JSON.stringify(request),
    });
  }

  deleteInstance(id: string, options?: DbaasRequestOptions): Promise<Instance> {
    return this.request(`/instances/${encodeURIComponent(id)}`, options, {
      method: 'DELETE',
    });
  }

  async listEvents(
    id: string,
    options?: DbaasRequestOptions,
  ): Promise<InstanceEvent[]> {
    const body = await this.request<{ items: InstanceEvent[] }>(
      `/instances/${encodeURIComponent(id)}/events`,
      options,
    );
    return body.items;
  }

  async getLogs(
    id: string,
    tail = 200,
    options?: DbaasRequestOptions,
  ): Promise<string> {
    const body = await this.request<{ text: string }>(
      `/instances/${encodeURIComponent(id)}/logs?tail=${tail}`,
      options,
    );
    return body.text;
  }

  getCredentials(
    id: string,
    options?: DbaasRequestOptions,
  ): Promise<Credentials> {
    return this.request(
      `/instances/${encodeURIComponent(id)}/credentials`,
      options,
    );
  }

  async getCaCertificate(
    id: string,
    options?: DbaasRequestOptions,
  ): Promise<string> {
    const response = await this.fetch(
      `/instances/${encodeURIComponent(id)}/ca`,
      options,
    );
    return response.text();
  }

  resealSecrets(options?: DbaasRequestOptions): Promise<ResealReport> {
    return this.request('/admin/reseal', options, { method: 'POST' });
  }

  private async request<T>(
    path: string,
    options?: DbaasRequestOptions,
    init: RequestInit = {},
  ): Promise<T> {
    const response = await this.fetch(path, options, init);
    return (await response.json()) as T;
  }

  private async fetch(
    path: string,
    options?: DbaasRequestOptions,
    init: RequestInit = {},
  ): Promise<Response> {
    const baseUrl = await this.discovery.getBaseUrl('dbaas');
    const headers = new Headers(init.headers);
    if (options?.token) {
      headers.set('Authorization', `Bearer ${options.token}`);
    }
    if (init.body) {
      headers.set('Content-Type', 'application/json');
    }
    const response = await this.fetchFn(`${baseUrl}${path}`, {
      ...init,
      headers,
    });
    if (!response.ok) {
      const error = await ResponseError.fromResponse(response);
      // the Manager's message names the field at fault: put it where every caller shows it
      const detail = error.body?.error?.message;
      if (detail) error.message = `${error.message}: ${detail}`;
      throw error;
    }
    return response;
  }
}
