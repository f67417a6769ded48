import { createHash } from 'crypto';
import http from 'http';
import { AddressInfo } from 'net';
import { Duplex } from 'stream';
import { answerExec, ExecRequest, refuseUpgrade } from './podExec';

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: any;
  spec?: any;
  status?: any;
  [k: string]: any;
};

const RESOURCES: Record<
  string,
  { group: string; kind: string; namespaced: boolean }
> = {
  namespaces: { group: 'v1', kind: 'Namespace', namespaced: false },
  persistentvolumeclaims: {
    group: 'v1',
    kind: 'PersistentVolumeClaim',
    namespaced: true,
  },
  secrets: { group: 'v1', kind: 'Secret', namespaced: true },
  services: { group: 'v1', kind: 'Service', namespaced: true },
  pods: { group: 'v1', kind: 'Pod', namespaced: true },
  statefulsets: { group: 'apps/v1', kind: 'StatefulSet', namespaced: true },
  storageclasses: {
    group: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    namespaced: false,
  },
};

/**
 * A local stand-in for the Kubernetes API server, enough for the runtime: API discovery,
 * server-side apply (create, or change only what differs), JSON merge patches, get, delete,
 * list by label, 403 and quota refusals, and pods whose status a test scripts. A StatefulSet's
 * status is what its controller would report at once (the generation observed, the revision of
 * its template), and a scripted pod without a `controller-revision-hash` label is of that revision.
 * A pod's exec (the WebSocket upgrade of `pods/{name}/exec`) runs its command for real with
 * `docker exec` in the container `execContainer` names for the pod.
 */
export class KubeApiStub {
  readonly objects = new Map<string, Obj>();
  readonly calls: string[] = [];
  /** `METHOD /path-prefix` → the refusal message. */
  readonly forbidden = new Map<string, string>();
  /** The pod the API shows for `namespace/name`, e.g. from a scripted sequence. */
  pod: (namespace: string, name: string) => Obj | undefined = () => undefined;
  /** The Docker container standing in for a pod's container in an exec; none: 404. */
  execContainer: (
    namespace: string,
    pod: string,
    container: string,
  ) => string | undefined = () => undefined;
  /** The exec subprotocols the stub speaks; it picks the first the client offers of them. */
  execProtocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
  /** Every exec answered, with its command and protocol. */
  readonly execs: ExecRequest[] = [];
  private server?: http.Server;
  private readonly upgraded = new Set<Duplex>();
  private version = 1;

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.on('upgrade', (req, socket) => this.upgrade(req, socket));
    await new Promise<void>(resolve =>
      this.server!.listen(0, '127.0.0.1', resolve),
    );
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  stop() {
    for (const socket of this.upgraded) socket.destroy();
    return new Promise(resolve => this.server?.close(resolve));
  }

  /** `GET /api/v1/namespaces/{ns}/pods/{name}/exec?command=…&container=…` as a WebSocket. */
  private upgrade(req: http.IncomingMessage, socket: Duplex) {
    this.upgraded.add(socket);
    socket.on('close', () => this.upgraded.delete(socket));
    const url = new URL(req.url!, 'http://stub');
    this.calls.push(`${req.method} ${url.pathname}`);
    for (const [prefix, message] of this.forbidden) {
      if (`${req.method} ${url.pathname}`.startsWith(prefix)) {
        refuseUpgrade(socket, 403, message);
        return;
      }
    }
    const match = url.pathname.match(
      /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/,
    );
    const container = url.searchParams.get('container') ?? '';
    const target = match && this.execContainer(match[1], match[2], container);
    if (!match || !target) {
      refuseUpgrade(socket, 404, `no pod or container for ${url.pathname}`);
      return;
    }
    answerExec(
      req,
      socket,
      url,
      { namespace: match[1], pod: match[2], container },
      target,
      this.execProtocols,
      this.execs,
    );
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url!, 'http://stub');
    const method = req.method!;
    this.calls.push(`${method} ${url.pathname}`);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const status = (code: number, reason: string, message: string) =>
      send(code, {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason,
        message,
        code,
      });

    for (const [prefix, message] of this.forbidden) {
      if (`${method} ${url.pathname}`.startsWith(prefix))
        return status(403, 'Forbidden', message);
    }
    const discovery = url.pathname.match(
      /^\/(?:api\/(v1)|apis\/([^/]+\/[^/]+))$/,
    );
    if (discovery) {
      const group = discovery[1] ?? discovery[2];
      return send(200, {
        kind: 'APIResourceList',
        groupVersion: group,
        resources: Object.entries(RESOURCES)
          .filter(([, r]) => r.group === group)
          .map(([name, r]) => ({
            name,
            kind: r.kind,
            namespaced: r.namespaced,
            verbs: ['get', 'patch', 'delete', 'list'],
          })),
      });
    }
    const route = parseRoute(url.pathname);
    if (!route) return status(404, 'NotFound', `no route ${url.pathname}`);
    const { resource, namespace, name, log } = route;
    const key = `${resource}/${namespace ?? ''}/${name ?? ''}`;

    if (resource === 'pods' && method === 'GET' && name) {
      if (log) {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        return res.end('database system is ready to accept connections\n');
      }
      const pod = this.pod(namespace, name);
      const set = this.objects.get(
        `statefulsets/${namespace}/${name.replace(/-\d+$/, '')}`,
      );
      if (pod && set && !pod.metadata.labels?.['controller-revision-hash']) {
        pod.metadata.labels = {
          ...pod.metadata.labels,
          'controller-revision-hash': set.status.updateRevision,
        };
      }
      return pod
        ? send(200, pod)
        : status(404, 'NotFound', `pods "${name}" not found`);
    }
    if (method === 'GET' && !name) {
      const selector = url.searchParams.get('labelSelector');
      const [lk, lv] = selector?.split('=') ?? [];
      const items = [...this.objects.entries()]
        .filter(([k]) => k.startsWith(`${resource}/`))
        .map(([, o]) => o)
        .filter(o => !selector || o.metadata.labels?.[lk] === lv);
      return send(200, {
        kind: `${RESOURCES[resource].kind}List`,
        apiVersion: RESOURCES[resource].group,
        metadata: {},
        items,
      });
    }
    if (method === 'GET') {
      const obj = this.objects.get(key);
      return obj
        ? send(200, obj)
        : status(404, 'NotFound', `${resource} "${name}" not found`);
    }
    if (method === 'DELETE') {
      if (!this.objects.delete(key))
        return status(404, 'NotFound', `${resource} "${name}" not found`);
      return send(200, { kind: 'Status', status: 'Success' });
    }
    if (
      method === 'PATCH' &&
      req.headers['content-type']?.startsWith('application/merge-patch+json')
    ) {
      // a JSON merge patch (RFC 7386) of an object that exists
      const patch = JSON.parse(await readBody(req));
      const existing = this.objects.get(key);
      if (!existing)
        return status(404, 'NotFound', `${resource} "${name}" not found`);
      const merged = mergePatch(existing, patch) as Obj;
      merged.metadata = {
        ...merged.metadata,
        resourceVersion: String(++this.version),
      };
      this.objects.set(key, merged);
      return send(200, merged);
    }
    if (method === 'PATCH') {
      const body = JSON.parse(await readBody(req)) as Obj;
      const quota = this.forbidden.get(`QUOTA ${resource}`);
      if (quota) return status(403, 'Forbidden', quota);
      const existing = this.objects.get(key);
      const { metadata, ...rest } = body;
      // what the API server would make of it: its defaults, such as a Service's cluster IP,
      // stay when an apply does not mention them
      const desired = this.withStatus(resource, {
        ...rest,
        metadata: { ...metadata, namespace: namespace || undefined },
      });
      if (existing) {
        const { metadata: em, status: _s, ...existingRest } = existing;
        const same =
          JSON.stringify({
            ...existingRest,
            metadata: {
              ...em,
              resourceVersion: undefined,
              uid: undefined,
              generation: undefined,
            },
          }) ===
          JSON.stringify({
            ...desired,
            metadata: {
              ...desired.metadata,
              resourceVersion: undefined,
              uid: undefined,
              generation: undefined,
            },
          });
        if (same) return send(200, existing);
        const updated = {
          ...desired,
          metadata: {
            ...desired.metadata,
            uid: em.uid,
            resourceVersion: String(++this.version),
            generation: em.generation + 1,
          },
        };
        this.objects.set(key, this.controlled(resource, updated));
        return send(200, this.objects.get(key));
      }
      const created = {
        ...desired,
        metadata: {
          ...desired.metadata,
          uid: `uid-${this.version}`,
          resourceVersion: String(++this.version),
          generation: 1,
        },
      };
      this.objects.set(key, this.controlled(resource, created));
      return send(201, this.objects.get(key));
    }
    return status(405, 'MethodNotAllowed', method);
  }

  /** A StatefulSet's status as its controller reports it once it has seen the spec. */
  private controlled(resource: string, obj: Obj): Obj {
    if (resource !== 'statefulsets') return obj;
    const revision = `${obj.metadata.name}-${createHash('sha256')
      .update(JSON.stringify(obj.spec.template))
      .digest('hex')
      .slice(0, 10)}`;
    return {
      ...obj,
      status: {
        observedGeneration: obj.metadata.generation,
        replicas: obj.spec.replicas,
        currentRevision: revision,
        updateRevision: revision,
      },
    };
  }

  /** Services get a cluster IP and node ports, as the API server would. */
  private withStatus(resource: string, obj: Obj): Obj {
    if (resource === 'services') {
      obj.spec = {
        ...obj.spec,
        clusterIP: '10.96.0.10',
        ports: obj.spec.ports.map((p: any) => ({
          ...p,
          ...(obj.spec.type !== 'ClusterIP' ? { nodePort: 30432 } : {}),
        })),
      };
    }
    return obj;
  }
}

/** `/api/v1/namespaces/x`, `/api/v1/namespaces/ns/secrets/y(/log)`, `/api/v1/persistentvolumeclaims`, … */
function parseRoute(pathname: string) {
  const parts = pathname
    .replace(/^\/(api\/v1|apis\/[^/]+\/[^/]+)\/?/, '')
    .split('/')
    .filter(Boolean);
  if (parts[0] === 'namespaces' && parts.length <= 2) {
    return {
      resource: 'namespaces',
      namespace: '',
      name: parts[1],
      log: false,
    };
  }
  if (parts[0] === 'namespaces') {
    const [, namespace, resource, name, sub] = parts;
    return RESOURCES[resource]
      ? { resource, namespace, name, log: sub === 'log' }
      : undefined;
  }
  return RESOURCES[parts[0]]
    ? { resource: parts[0], namespace: '', name: parts[1], log: false }
    : undefined;
}

/** RFC 7386: objects merge key by key, null removes a key, anything else replaces. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    return patch;
  }
  const result: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', chunk => (data += chunk));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

/** A pod as the API shows it in a given state. */
export function podIn(
  state: 'creating' | 'ready' | 'crashloop' | 'imagepull' | 'unschedulable',
  namespace: string,
  name: string,
): Obj {
  const base = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace } };
  /** A scheduled pod with its one container in `containerState`: ready (running) or not. */
  const scheduled = (
    ready: boolean,
    containerState: object,
    restartCount: number,
  ) => ({
    phase: ready ? 'Running' : 'Pending',
    conditions: [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Ready', status: ready ? 'True' : 'False' },
    ],
    containerStatuses: [
      {
        name: 'db',
        ready,
        restartCount,
        image: 'x',
        imageID: '',
        state: containerState,
      },
    ],
  });
  const waiting = (reason: string, message: string) =>
    scheduled(false, { waiting: { reason, message } }, 3);
  switch (state) {
    case 'creating':
      return { ...base, status: waiting('ContainerCreating', '') };
    case 'ready':
      return { ...base, status: scheduled(true, { running: {} }, 0) };
    case 'crashloop':
      return {
        ...base,
        status: waiting(
          'CrashLoopBackOff',
          'back-off 40s restarting failed container',
        ),
      };
    case 'imagepull':
      return {
        ...base,
        status: waiting(
          'ImagePullBackOff',
          'Back-off pulling image "dbaas/postgresql:15"',
        ),
      };
    case 'unschedulable':
      return {
        ...base,
        status: {
          phase: 'Pending',
          conditions: [
            {
              type: 'PodScheduled',
              status: 'False',
              reason: 'Unschedulable',
              message:
                '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims',
            },
          ],
        },
      };
    default:
      throw new Error(state);
  }
}
