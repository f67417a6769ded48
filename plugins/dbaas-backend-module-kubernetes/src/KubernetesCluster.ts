import {
  ApiException,
  CoreV1Api,
  KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { RuntimeFault } from '@dbaas/plugin-dbaas-node';
import { KubernetesClusterConfig } from './config';

const FIELD_MANAGER = 'backstage-dbaas';

/** The calls the runtime makes, with the cluster's refusals turned into typed faults. */
export class KubernetesCluster {
  readonly objects: KubernetesObjectApi;
  readonly core: CoreV1Api;

  readonly name: string;

  constructor(config: KubernetesClusterConfig) {
    this.name = config.name;
    this.objects = KubernetesObjectApi.makeApiClient(config.kubeConfig);
    this.core = config.kubeConfig.makeApiClient(CoreV1Api);
  }

  /** Server-side apply: a repeated apply of the same object changes nothing. */
  async apply<T extends KubernetesObject>(object: T): Promise<T> {
    return this.call(
      `apply ${object.kind} ${object.metadata?.name}`,
      () =>
        this.objects.patch(
          object,
          undefined,
          undefined,
          FIELD_MANAGER,
          true,
          PatchStrategy.ServerSideApply,
        ) as Promise<T>,
    );
  }

  /** A JSON merge patch (RFC 7386) of the fields given, e.g. a claim's storage request. */
  async mergePatch<T extends KubernetesObject>(object: T): Promise<T> {
    return this.call(
      `patch ${object.kind} ${object.metadata?.name}`,
      () =>
        this.objects.patch(
          object,
          undefined,
          undefined,
          FIELD_MANAGER,
          undefined,
          PatchStrategy.MergePatch,
        ) as Promise<T>,
    );
  }

  async read<T extends KubernetesObject>(
    object: KubernetesObject,
  ): Promise<T | undefined> {
    try {
      return (await this.objects.read(object as any)) as T;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw fault(`read ${object.kind} ${object.metadata?.name}`, error);
    }
  }

  /** Deletes; an object already gone is success. */
  async delete(object: KubernetesObject): Promise<void> {
    try {
      await this.objects.delete(object);
    } catch (error) {
      if (statusOf(error) !== 404)
        throw fault(`delete ${object.kind} ${object.metadata?.name}`, error);
    }
  }

  async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw fault(what, error);
    }
  }
}

export function statusOf(error: unknown): number | undefined {
  return error instanceof ApiException
    ? error.code
    : (error as { code?: number }).code;
}

/** What an operator can act on: who refused what, and why. */
export function fault(what: string, error: unknown): RuntimeFault {
  const status = statusOf(error);
  const body = (error as { body?: unknown }).body;
  const message =
    (typeof body === 'string'
      ? safeJson(body)?.message
      : (body as { message?: string })?.message) ?? (error as Error).message;
  if (status === 401 || status === 403) {
    if (/exceeded quota/i.test(message)) {
      return new RuntimeFault(
        'HOST_CAPACITY',
        `Kubernetes refused to ${what}: ${message}`,
      );
    }
    return new RuntimeFault(
      'HOST_PERMISSION',
      `Kubernetes refused to ${what} (${status}): ${message}; grant the backend's service account the rights in deploy/kubernetes/rbac.yaml`,
    );
  }
  return new RuntimeFault(
    'HOST_UNAVAILABLE',
    `Kubernetes could not ${what}${status ? ` (${status})` : ''}: ${message}`,
  );
}

function safeJson(text: string): { message?: string } | undefined {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The configured clusters; a flavor picks one with runtimeHints.kubernetes.cluster. */
export class KubernetesClusters {
  readonly all: KubernetesCluster[];

  constructor(configs: KubernetesClusterConfig[]) {
    this.all = configs.map(c => new KubernetesCluster(c));
  }

  get(name: unknown): KubernetesCluster {
    const cluster = this.all.find(c => c.name === name);
    if (!cluster) {
      throw new RuntimeFault(
        'HOST_UNAVAILABLE',
        `Kubernetes cluster '${name}' is not configured; configured: ${this.all
          .map(c => c.name)
          .join(', ')}`,
      );
    }
    return cluster;
  }

  forFlavor(hints: Record<string, unknown> | undefined): KubernetesCluster {
    return hints?.cluster === undefined ? this.all[0] : this.get(hints.cluster);
  }
}
