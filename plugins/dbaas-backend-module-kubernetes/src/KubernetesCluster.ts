import {
  ApiException,
  CoreV1Api,
  Exec,
  KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { RuntimeFault } from '@dbaas/plugin-dbaas-node';
import { PassThrough, Readable, Writable } from 'stream';
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
    pod: PodContainer,
    command: string[],
    stdin?: Buffer,
    timeoutMs = 10 * 60_000,
  ): Promise<ExecResult> {
    const run = await this.execStream(pod, command, {
      stdin: stdin ? Readable.from([stdin]) : undefined,
      timeoutMs,
    });
    const collect = async (stream: Readable) => {
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    };
    const output = Promise.all([collect(run.stdout), collect(run.stderr)]);
    output.catch(() => {}); // the exit code carries the same failure
    const exitCode = await run.exitCode;
    const [stdout, stderr] = await output;
    return { exitCode, stdout, stderr };
  }

  /**
   * `exec` with the command's output as streams, for output of any size: `stdout` is read with
   * back-pressure (the WebSocket is paused while the reader lags, so the command waits), and
   * destroying it ends the session (and the command). `stdin`'s bytes are sent as the
   * WebSocket drains them, its end never closes the command's input (see `exec`), and its
   * failure ends the session. `exitCode` settles once the command has ended and both streams
   * have (it rejects with the typed faults of `exec`, which then also error the streams).
   */
  async execStream(
    pod: PodContainer,
    command: string[],
    options: { stdin?: Readable; timeoutMs?: number } = {},
  ): Promise<ExecStream> {
    const what = `exec in pod ${pod.name} (namespace ${pod.namespace})`;
    const timeoutMs = options.timeoutMs ?? 10 * 60_000;
    const stdout = new PassThrough({ highWaterMark: 1024 * 1024 });
    const stderr = new PassThrough();
    let socket: WebSocketLike | undefined;
    let paused = false;
    const sink = new Writable({
      write(chunk, _encoding, callback) {
        if (!stdout.destroyed && !stdout.write(chunk) && !paused) {
          paused = true;
          socket?.pause();
        }
        callback();
      },
      final(callback) {
        stdout.end();
        callback();
      },
    });
    stdout.on('drain', () => {
      paused = false;
      socket?.resume();
    });
    let settle!: (status: ExecStatus | undefined) => void;
    let settled = false;
    const ended = new Promise<ExecStatus | undefined>(resolve => {
      settle = status => {
        settled = true;
        resolve(status);
      };
    });
    // client-node sends what this emits: nothing, so that standard input is asked for but
    // written below with back-pressure, and never ended (its end would close the session)
    const input = options.stdin ? new PassThrough() : null;
    try {
      socket = (await this.executor.exec(
        pod.namespace,
        pod.name,
        pod.container,
        command,
        sink,
        stderr,
        input,
        false,
        status => settle(status as ExecStatus),
      )) as unknown as WebSocketLike;
    } catch (error) {
      options.stdin?.destroy();
      throw execFault(what, error);
    }
    const ws = socket;
    if (paused) ws.pause();
    ws.on('close', () => settle(undefined));
    if (ws.readyState === ws.CLOSED) settle(undefined);
    // a reader that gives up ends the session, and with it the command
    stdout.on('close', () => {
      if (!stdout.writableFinished) ws.close();
    });
    let failure: RuntimeFault | undefined;
    const timer = setTimeout(() => {
      failure = new RuntimeFault(
        'ENGINE_TIMEOUT',
        `The ${what} did not finish within ${Math.round(timeoutMs / 1000)} s`,
      );
      settle(undefined);
      ws.close();
    }, timeoutMs);
    if (options.stdin) {
      sendInput(ws, options.stdin).catch(error => {
        // input the command no longer reads once it ended is no failure of the session
        if (settled) return;
        failure ??= new RuntimeFault(
          'HOST_UNAVAILABLE',
          `The ${what} could not be given its input: ${
            (error as Error).message
          }`,
        );
        ws.close();
      });
    }
    const exitCode = (async () => {
      const status = await ended;
      clearTimeout(timer);
      input?.destroy();
      options.stdin?.destroy();
      if (failure) throw failure;
      if (!status) {
        throw new RuntimeFault(
          'HOST_UNAVAILABLE',
          `Kubernetes ended the ${what} before the command's exit status came`,
        );
      }
      const code = exitCodeOf(status);
      if (code === undefined) {
        throw new RuntimeFault(
          'ENGINE_UNAVAILABLE',
          `Kubernetes could not ${what}: ${status.message ?? status.reason}`,
        );
      }
      // client-node ends both streams when the status comes
      return code;
    })();
    // the failure reaches a reader of stdout as its error; stderr's is the exit code's
    stderr.on('error', () => {});
    exitCode.catch(error => {
      stdout.destroy(error);
      stderr.destroy(error);
    });
    return { stdout, stderr, exitCode };
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

export interface PodContainer {
  namespace: string;
  name: string;
  container: string;
}

export interface ExecStream {
  stdout: Readable;
  stderr: Readable;
  exitCode: Promise<number>;
}

/** What of client-node's WebSocket (the `ws` library's) the streaming exec uses. */
interface WebSocketLike {
  readonly readyState: number;
  readonly CLOSED: number;
  readonly bufferedAmount: number;
  send(data: Buffer, callback: (error?: Error) => void): void;
  pause(): void;
  resume(): void;
  close(): void;
  on(event: 'close', listener: () => void): void;
}

const STDIN_CHANNEL = 0;

/** Sends `input` on the stdin channel, waiting whenever more than 1 MiB waits to be sent. */
async function sendInput(ws: WebSocketLike, input: Readable) {
  for await (const chunk of input) {
    const data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    if (data.length === 0) continue;
    if (ws.readyState === ws.CLOSED) return;
    const sent = new Promise<void>((resolve, reject) =>
      ws.send(Buffer.concat([Buffer.of(STDIN_CHANNEL), data]), error =>
        error ? reject(error) : resolve(),
      ),
    );
    if (ws.bufferedAmount > 1024 * 1024) await sent;
    else sent.catch(() => {}); // a failed send closes the socket: the exit code tells
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
