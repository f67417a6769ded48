import { ResponseError } from '@backstage/errors';
import { DbaasApiPaths, DbaasApiQuery } from '../schemas/api';
import { Backup, RecoveryWindow } from '../schemas/backup';
import {
  CreateDatabaseRequest,
  CreateDatabaseUserRequest,
  Database,
  DatabaseUser,
} from '../schemas/databaseObjects';
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
  LeakReport,
  MetricsResponse,
  MetricsSample,
  ResealReport,
  UpdateInstanceRequest,
} from '../schemas/instance';
import { ApplyAt, DbaasApi, DbaasRequestOptions } from './DbaasApi';

type Method = 'get' | 'post' | 'patch' | 'delete';
type Operation<P extends keyof DbaasApiPaths, M extends Method> = NonNullable<
  DbaasApiPaths[P][M]
>;

/** What a call sends: the operation's path parameters, query and JSON body, as the spec has them. */
type RequestOf<O> = (O extends { parameters: { path: infer T } }
  ? { path: T }
  : { path?: undefined }) & {
  query?: O extends { parameters: { query?: infer Q } }
    ? DbaasApiQuery<NonNullable<Q>>
    : never;
} & (O extends { requestBody: { content: { 'application/json': infer B } } }
    ? { body: B }
    : { body?: undefined });

/** The JSON body of the operation's success answer (200 or 202), as the spec has it. */
type AnswerOf<O> = O extends { responses: infer R }
  ? {
      [S in keyof R & (200 | 202)]: R[S] extends {
        content: { 'application/json': infer B };
      }
        ? B
        : never;
    }[keyof R & (200 | 202)]
  : never;

/** `?applyAt=` only when asked for: the Manager's default is immediately. */
function applyAtQuery(options?: { applyAt?: ApplyAt }) {
  return options?.applyAt ? { applyAt: options.applyAt } : {};
}

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
    return this.call('get', '/whoami', {}, options);
  }

  async listFlavors(options?: DbaasRequestOptions): Promise<Flavor[]> {
    return (await this.call('get', '/flavors', {}, options)).items;
  }

  listRuntimes(options?: DbaasRequestOptions): Promise<ListRuntimesResponse> {
    return this.call('get', '/runtimes', {}, options);
  }

  createInstance(
    request: CreateInstanceRequest,
    options?: DbaasRequestOptions & { dryRun?: boolean },
  ): Promise<Instance> {
    return this.call(
      'post',
      '/instances',
      {
        query: options?.dryRun ? { dryRun: true } : {},
        body: request,
      },
      options,
    );
  }

  deployInstance(id: string, options?: DbaasRequestOptions): Promise<Instance> {
    return this.call(
      'post',
      '/instances/{id}/deploy',
      { path: { id } },
      options,
    );
  }

  stopInstance(id: string, options?: DbaasRequestOptions): Promise<Instance> {
    return this.call('post', '/instances/{id}/stop', { path: { id } }, options);
  }

  startInstance(id: string, options?: DbaasRequestOptions): Promise<Instance> {
    return this.call(
      'post',
      '/instances/{id}/start',
      { path: { id } },
      options,
    );
  }

  restartInstance(
    id: string,
    options?: DbaasRequestOptions & { applyAt?: ApplyAt },
  ): Promise<Instance> {
    return this.call(
      'post',
      '/instances/{id}/restart',
      { path: { id }, query: applyAtQuery(options) },
      options,
    );
  }

  rotateCredentials(
    id: string,
    options?: DbaasRequestOptions,
  ): Promise<Instance> {
    return this.call(
      'post',
      '/instances/{id}/rotate-credentials',
      { path: { id } },
      options,
    );
  }

  upgradeInstance(
    id: string,
    options?: DbaasRequestOptions & { applyAt?: ApplyAt },
  ): Promise<Instance> {
    return this.call(
      'post',
      '/instances/{id}/upgrade',
      { path: { id }, query: applyAtQuery(options) },
      options,
    );
  }

  cancelScheduledOperation(
    id: string,
    options?: DbaasRequestOptions,
  ): Promise<Instance> {
    return this.call(
      'delete',
      '/instances/{id}/scheduled-operation',
      { path: { id } },
      options,
    );
  }

  listInstances(
    query: ListInstancesQuery = {},
    options?: DbaasRequestOptions,
  ): Promise<ListInstancesResponse> {
    return this.call('get', '/instances', { query }, options);
  }

  getInstance(id: string, options?: DbaasRequestOptions): Promise<Instance> {
    return this.call('get', '/instances/{id}', { path: { id } }, options);
  }

  updateInstance(
    id: string,
    request: UpdateInstanceRequest,
    options?: DbaasRequestOptions,
  ): Promise<Instance> {
    return this.call(
      'patch',
      '/instances/{id}',
      { path: { id }, body: request },
      options,
    );
  }

  deleteInstance(
    id: string,
    options?: DbaasRequestOptions & { skipFinalBackup?: boolean },
  ): Promise<Instance> {
    return this.call(
      'delete',
      '/instances/{id}',
      {
        path: { id },
        query: options?.skipFinalBackup ? { skipFinalBackup: true } : {},
      },
      options,
    );
  }

  async listEvents(
    id: string,
    options?: DbaasRequestOptions,
  ): Promise<InstanceEvent[]> {
    const answer = await this.call(
      'get',
      '/instances/{id}/events',
      { path: { id } },
      options,
    );
    return answer.items;
  }

  async getLogs(
    id: string,
    tail = 200,
    options?: DbaasRequestOptions,
  ): Promise<string> {
    const answer = await this.call(
      'get',
      '/instances/{id}/logs',
      { path: { id }, query: { tail } },
      options,
    );
    return answer.text;
  }

  getCredentials(
    id: string,
    options?: DbaasRequestOptions,
  ): Promise<Credentials> {
    return this.call(
      'get',
      '/instances/{id}/credentials',
      { path: { id } },
      options,
    );
  }

  async getMetrics(
    id: string,
    hours?: number,
    options?: DbaasRequestOptions,
  ): Promise<MetricsSample[]> {
    return (await this.getMetricsReport(id, hours, options)).items;
  }

  async getMetricsReport(
    id: string,
    hours?: number,
    options?: DbaasRequestOptions,
  ): Promise<MetricsResponse> {
    const answer = await this.call(
      'get',
      '/instances/{id}/metrics',
      { path: { id }, query: hours === undefined ? {} : { hours } },
      options,
    );
    // a Manager from before lastError answers only the items
    return { items: answer.items, lastError: answer.lastError ?? null };
  }

  async getCaCertificate(
    id: string,
    options?: DbaasRequestOptions,
  ): Promise<string> {
    const response = await this.send(
      'get',
      '/instances/{id}/ca',
      { path: { id } },
      options,
    );
    return response.text();
  }

  resealSecrets(options?: DbaasRequestOptions): Promise<ResealReport> {
    return this.call('post', '/admin/reseal', {}, options);
  }

  async listLeaks(options?: DbaasRequestOptions): Promise<LeakReport[]> {
    return (await this.call('get', '/admin/leaks', {}, options)).items;
  }

  createBackup(id: string, options?: DbaasRequestOptions): Promise<Backup> {
    return this.call(
      'post',
      '/instances/{id}/backups',
      { path: { id } },
      options,
    );
  }

  async listBackups(
    id: string,
    options?: DbaasRequestOptions,
  ): Promise<Backup[]> {
    const answer = await this.call(
      'get',
      '/instances/{id}/backups',
      { path: { id } },
      options,
    );
    return answer.items;
  }

  getBackup(backupId: string, options?: DbaasRequestOptions): Promise<Backup> {
    return this.call(
      'get',
      '/backups/{backupId}',
      { path: { backupId } },
      options,
    );
  }

  async deleteBackup(
    backupId: string,
    options?: DbaasRequestOptions,
  ): Promise<void> {
    await this.send(
      'delete',
      '/backups/{backupId}',
      { path: { backupId } },
      options,
    );
  }

  getRecoveryWindow(
    id: string,
    options?: DbaasRequestOptions,
  ): Promise<RecoveryWindow> {
    return this.call(
      'get',
      '/instances/{id}/recovery-window',
      { path: { id } },
      options,
    );
  }

  async listDatabaseUsers(
    id: string,
    options?: DbaasRequestOptions,
  ): Promise<DatabaseUser[]> {
    const answer = await this.call(
      'get',
      '/instances/{id}/users',
      { path: { id } },
      options,
    );
    return answer.items;
  }

  createDatabaseUser(
    id: string,
    request: CreateDatabaseUserRequest,
    options?: DbaasRequestOptions,
  ): Promise<DatabaseUser> {
    return this.call(
      'post',
      '/instances/{id}/users',
      { path: { id }, body: request },
      options,
    );
  }

  deleteDatabaseUser(
    id: string,
    userName: string,
    options?: DbaasRequestOptions,
  ): Promise<DatabaseUser> {
    return this.call(
      'delete',
      '/instances/{id}/users/{userName}',
      { path: { id, userName } },
      options,
    );
  }

  getDatabaseUserCredentials(
    id: string,
    userName: string,
    options?: DbaasRequestOptions,
  ): Promise<Credentials> {
    return this.call(
      'get',
      '/instances/{id}/users/{userName}/credentials',
      { path: { id, userName } },
      options,
    );
  }

  async listDatabases(
    id: string,
    options?: DbaasRequestOptions,
  ): Promise<Database[]> {
    const answer = await this.call(
      'get',
      '/instances/{id}/databases',
      { path: { id } },
      options,
    );
    return answer.items;
  }

  createDatabase(
    id: string,
    request: CreateDatabaseRequest,
    options?: DbaasRequestOptions,
  ): Promise<Database> {
    return this.call(
      'post',
      '/instances/{id}/databases',
      { path: { id }, body: request },
      options,
    );
  }

  deleteDatabase(
    id: string,
    databaseName: string,
    options?: DbaasRequestOptions,
  ): Promise<Database> {
    return this.call(
      'delete',
      '/instances/{id}/databases/{databaseName}',
      { path: { id, databaseName } },
      options,
    );
  }

  /** Calls a route of the spec; its parameters, body and JSON answer are typed by the spec. */
  private async call<P extends keyof DbaasApiPaths, M extends Method>(
    method: M,
    path: P,
    request: RequestOf<Operation<P, M>>,
    options?: DbaasRequestOptions,
  ): Promise<AnswerOf<Operation<P, M>>> {
    const response = await this.send(method, path, request, options);
    return (await response.json()) as AnswerOf<Operation<P, M>>;
  }

  private async send<P extends keyof DbaasApiPaths, M extends Method>(
    method: M,
    path: P,
    request: RequestOf<Operation<P, M>>,
    options?: DbaasRequestOptions,
  ): Promise<Response> {
    const {
      path: pathParams,
      query,
      body,
    } = request as {
      path?: Record<string, string>;
      query?: Record<string, unknown>;
      body?: unknown;
    };
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      for (const item of [value].flat()) {
        if (item !== undefined) params.append(key, String(item));
      }
    }
    const qs = params.toString();
    const url = `${path.replace(/\{(\w+)\}/g, (_, name: string) =>
      encodeURIComponent(pathParams![name]),
    )}${qs ? `?${qs}` : ''}`;
    return this.fetch(url, options, {
      method: method.toUpperCase(),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
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
    if (options?.idempotencyKey && init.method === 'POST') {
      headers.set('Idempotency-Key', options.idempotencyKey);
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
