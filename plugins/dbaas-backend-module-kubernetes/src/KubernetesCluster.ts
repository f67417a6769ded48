import {
  ApiException,
  CoreV1Api,
  Exec,
  KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { RuntimeFault } from '@dbaas/plugin-dbaas-node';
import { PassThrough, Writable } from 'stream';
import { KubernetesClusterConfig } from './config';

const FIELD_MANAGER = 'backstage-dbaas';

/** The calls the runtime makes, with the cluster's refusals turned into typed faults. */
export class KubernetesCluster {
  readonly objects: KubernetesObjectApi;
  readonly core: CoreV1Api;
  private readonly executor: Exec;

  readonly name: string;

  constructor(config: KubernetesClusterConfig) {
    this.name = config.name;
    this.objects = KubernetesObjectApi.makeApiClient(config.kubeConfig);
    this.core = config.kubeConfig.makeApiClient(CoreV1Api);
    this.executor = new Exec(config.kubeConfig);
  }

  /**
   * Runs `command` in a pod's container through the exec API (a WebSocket, channels as
   * client-node frames them), with `stdin` (when given) written to its standard input and
   * its output collected. Standard input is never closed: a command reads as much as it needs
   * (the caller says how much), since closing it is a stream close only the v5 protocol has,
   * and an older API server's exec ends the whole session on it. A refused exec is a typed
   * fault (403: the RBAC to grant); a session that ends without the command's exit status
   * fails as HOST_UNAVAILABLE, one still running after `timeoutMs` as ENGINE_TIMEOUT.
   */
  async exec(
    pod: { namespace: string; name: string; container: string },
    command: string[],
    stdin?: Buffer,
    timeoutMs = 10 * 60_000,
  ): Promise<ExecResult> {
    const what = `exec in pod ${pod.name} (namespace ${pod.namespace})`;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const collect = (chunks: Buffer[]) =>
      new Writable({
        write(chunk, _encoding, callback) {
          chunks.push(Buffer.from(chunk));
          callback();
        },
      });
    const input = stdin ? new PassThrough() : null;
    if (input && stdin!.length > 0) input.write(stdin);
    let settle!: (status: ExecStatus | undefined) => void;
    const finished = new Promise<ExecStatus | undefined>(resolve => {
      settle = resolve;
    });
    try {
      let socket;
      try {
        socket = await this.executor.exec(
          pod.namespace,
          pod.name,
          pod.container,
          command,
          collect(out),
          collect(err),
          input,
          false,
          status => settle(status as ExecStatus),
        );
      } catch (error) {
        throw execFault(what, error);
      }
      socket.on('close', () => settle(undefined));
      if (socket.readyState === socket.CLOSED) settle(undefined);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        settle(undefined);
        socket.close();
      }, timeoutMs);
      const status = await finished;
      clearTimeout(timer);
      if (timedOut) {
        throw new RuntimeFault(
          'ENGINE_TIMEOUT',
          `The ${what} did not finish within ${Math.round(timeoutMs / 1000)} s`,
        );
      }
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (!status) {
        throw new RuntimeFault(
          'HOST_UNAVAILABLE',
          `Kubernetes ended the ${what} before the command's exit status came`,
        );
      }
      const exitCode = exitCodeOf(status);
      if (exitCode === undefined) {
        throw new RuntimeFault(
          'ENGINE_UNAVAILABLE',
          `Kubernetes could not ${what}: ${status.message ?? status.reason}`,
        );
      }
      return { exitCode, stdout, stderr };
    } finally {
      // never ended (see above): destroying it sends nothing
      input?.destroy();
    }
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

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The V1Status the exec API sends on its status channel when the command ends. */
interface ExecStatus {
  status?: string;
  reason?: string;
  message?: string;
  details?: { causes?: Array<{ reason?: string; message?: string }> };
}

/** 0 on Success, the `ExitCode` cause of a NonZeroExitCode; undefined when the exec itself failed. */
function exitCodeOf(status: ExecStatus): number | undefined {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find(c => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  return status.reason === 'NonZeroExitCode' && Number.isInteger(code)
    ? code
    : undefined;
}

/**
 * A refused WebSocket upgrade reaches client-node only as the `ws` library's error event
 * ("Unexpected server response: 403"), without the API server's Status: the status code is
 * taken from it, and a 403 names the RBAC the exec needs.
 */
function execFault(what: string, error: unknown): RuntimeFault {
  const cause = (error as { error?: unknown })?.error ?? error;
  const message = String(
    (cause as Error)?.message ?? (error as Error)?.message ?? error,
  );
  const code = Number(message.match(/Unexpected server response: (\d+)/)?.[1]);
  if (code === 401 || code === 403) {
    return new RuntimeFault(
      'HOST_PERMISSION',
      `Kubernetes refused to ${what} (${code}): grant the backend's service account \`create\` on \`pods/exec\` in that namespace, as deploy/kubernetes/rbac.yaml does`,
    );
  }
  if (code === 404) {
    return new RuntimeFault(
      'ENGINE_UNAVAILABLE',
      `Kubernetes could not ${what} (404): the pod is not there`,
    );
  }
  return fault(what, Number.isInteger(code) ? { code, message } : cause);
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
