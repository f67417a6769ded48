import { ResponseError } from '@backstage/errors';
import { Flavor } from '../schemas/flavor';
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

  async listFlavors(options?: DbaasRequestOptions): Promise<Flavor[]> {
    const body = await this.request<{ items: Flavor[] }>('/flavors', options);
    return body.items;
  }

  private async request<T>(
    path: string,
    options?: DbaasRequestOptions,
    init: RequestInit = {},
  ): Promise<T> {
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
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }
}
