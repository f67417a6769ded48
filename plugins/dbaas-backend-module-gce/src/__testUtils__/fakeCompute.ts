import http from 'http';
import { AddressInfo } from 'net';

/** One request the fake received. */
export interface ComputeCall {
  method: string;
  /** The path below /compute/v1/projects/<project>/, e.g. zones/europe-west1-b/instances. */
  path: string;
  project: string;
  query: Record<string, string>;
  body: any;
  authorization?: string;
}

type Resource = Record<string, any>;

interface FakeOperation {
  name: string;
  zone: string;
  operationType: string;
  targetLink: string;
  /** Waits left before it is DONE. */
  waitsLeft: number;
  error?: { errors: Array<{ code: string; message: string }> };
  httpErrorStatusCode?: number;
  /** Work behind the operation (a stand-in VM booting): DONE only once it settled. */
  work?: Promise<void>;
  settled?: boolean;
}

/**
 * Real machines behind the fake's VMs (the stand-in VMs of the engine test): each call
 * resolves once the machine did it; create and start answer with its internal address.
 */
export interface FakeVmHost {
  create(name: string, body: Record<string, any>): Promise<string>;
  stop(name: string): Promise<void>;
  start(name: string): Promise<string>;
  /** Grows the VM's data disk to `GiB` (its file system is the guest's business). */
  growDataDisk(name: string, GiB: number): Promise<void>;
  destroy(name: string): Promise<void>;
}

interface Failure {
  method: string;
  path: RegExp;
  status: number;
  message: string;
  reason: string;
  /** Do the work first, then answer with the error (a lost answer). */
  afterWork?: boolean;
}

/**
 * A local stand-in for the Compute Engine REST API (v1) as far as the GCE runtime calls it:
 * instances insert/get/list/delete/stop/start, disks list/delete, zoneOperations.wait. It keeps
 * VMs and disks, dedupes inserts by requestId as GCE does, and records every call; with a
 * `vmHost`, each VM is also a real machine (see FakeVmHost).
 */
export class FakeCompute {
  readonly calls: ComputeCall[] = [];
  readonly instances = new Map<string, Resource>();
  readonly disks = new Map<string, Resource>();
  private readonly operations = new Map<string, FakeOperation>();
  private readonly requestIds = new Map<string, string>();
  private readonly failures: Failure[] = [];
  /** Zones whose next inserts fail with ZONE_RESOURCE_POOL_EXHAUSTED. */
  readonly exhaustedZones = new Set<string>();
  /** Operations take this many waits to finish. */
  waitsPerOperation = 1;
  /** `instances.get` answers STAGING this many times after the insert is done. */
  stagingGets = 1;
  /** Where it listens, once started. */
  endpoint = '';
  /** Real machines behind the VMs, when set. */
  vmHost?: FakeVmHost;
  private server?: http.Server;
  private counter = 0;

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', chunk => {
        raw += chunk;
      });
      req.on('end', () => {
        try {
          this.handle(req, raw, res);
        } catch (error) {
          this.send(res, 500, {
            error: { code: 500, message: String(error), errors: [] },
          });
        }
      });
    });
    await new Promise<void>(resolve =>
      this.server!.listen(0, '127.0.0.1', resolve),
    );
    this.endpoint = `http://127.0.0.1:${
      (this.server.address() as AddressInfo).port
    }`;
    return this.endpoint;
  }

  async stop() {
    await new Promise(resolve => this.server?.close(resolve));
  }

  /** Forgets every VM, disk, operation, request id, failure and call. */
  reset() {
    this.calls.length = 0;
    this.instances.clear();
    this.disks.clear();
    this.operations.clear();
    this.requestIds.clear();
    this.failures.length = 0;
    this.exhaustedZones.clear();
    this.waitsPerOperation = 1;
  }

  /** The next call matching method and path answers with an HTTP error. */
  failNext(failure: Failure) {
    this.failures.push(failure);
  }

  /** Calls other than those of the given kinds, as `METHOD path`. */
  callLines(): string[] {
    return this.calls.map(c => {
      const q = new URLSearchParams(c.query).toString();
      return `${c.method} ${c.path}${q ? `?${q}` : ''}`;
    });
  }

  /** A VM made outside the runtime, e.g. another instance's, with its own disks. */
  addVm(zone: string, name: string, labels: Record<string, string>) {
    this.instances.set(`${zone}/${name}`, {
      name,
      zone: this.zoneUrl(zone),
      status: 'RUNNING',
      labels,
      networkInterfaces: [{ networkIP: '10.128.0.99' }],
    });
  }

  addDisk(zone: string, name: string, labels: Record<string, string>) {
    this.disks.set(`${zone}/${name}`, {
      name,
      zone: this.zoneUrl(zone),
      labels,
    });
  }

  private zoneUrl(zone: string) {
    return `https://www.googleapis.com/compute/v1/projects/dbaas-test/zones/${zone}`;
  }

  private handle(
    req: http.IncomingMessage,
    raw: string,
    res: http.ServerResponse,
  ) {
    const url = new URL(req.url!, 'http://fake');
    const match = url.pathname.match(
      /^\/compute\/v1\/projects\/([^/]+)\/(.*)$/,
    );
    const call: ComputeCall = {
      method: req.method!,
      project: match?.[1] ?? '',
      path: match?.[2] ?? url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: raw ? JSON.parse(raw) : undefined,
      authorization: req.headers.authorization,
    };
    this.calls.push(call);
    const failure = this.failures.findIndex(
      f => f.method === call.method && f.path.test(call.path),
    );
    let lost: Failure | undefined;
    if (failure >= 0) {
      const [f] = this.failures.splice(failure, 1);
      if (!f.afterWork) return this.error(res, f.status, f.message, f.reason);
      lost = f;
    }
    const respond = (status: number, body: unknown) =>
      lost
        ? this.error(res, lost.status, lost.message, lost.reason)
        : this.send(res, status, body);
    const [, zone, kind, name, action] =
      call.path.match(
        /^zones\/([^/]+)\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/,
      ) ?? [];
    if (kind === 'instances') {
      if (call.method === 'POST' && !name)
        return respond(200, this.insert(zone, call));
      if (call.method === 'GET' && !name)
        return respond(200, this.list(this.instances, zone, call.query.filter));
      const key = `${zone}/${name}`;
      const vm = this.instances.get(key);
      if (!vm)
        return this.error(
          res,
          404,
          `The resource 'projects/${call.project}/zones/${zone}/instances/${name}' was not found`,
          'notFound',
        );
      if (call.method === 'GET') {
        if (vm.status === 'STAGING' && vm.stagingGetsLeft-- <= 0)
          vm.status = 'RUNNING';
        const { stagingGetsLeft, ...answer } = vm;
        return respond(200, answer);
      }
      if (call.method === 'DELETE') {
        this.instances.delete(key);
        for (const disk of vm.disks ?? []) {
          if (disk.autoDelete) this.disks.delete(`${zone}/${disk.source}`);
        }
        return respond(
          200,
          this.operation(
            zone,
            'delete',
            `instances/${name}`,
            call.query.requestId,
            this.vmHost?.destroy(name),
          ),
        );
      }
      if (call.method === 'POST' && action === 'stop') {
        const work = this.vmHost?.stop(name);
        vm.status = 'TERMINATED';
        return respond(
          200,
          this.operation(
            zone,
            'stop',
            `instances/${name}`,
            call.query.requestId,
            work,
          ),
        );
      }
      if (call.method === 'POST' && action === 'start') {
        vm.status = 'STAGING';
        vm.stagingGetsLeft = this.stagingGets;
        const work = this.vmHost
          ?.start(name)
          .then(address => this.addressed(vm, address));
        return respond(
          200,
          this.operation(
            zone,
            'start',
            `instances/${name}`,
            call.query.requestId,
            work,
          ),
        );
      }
      if (call.method === 'POST' && action === 'setMachineType') {
        if (vm.status !== 'TERMINATED') {
          return this.error(
            res,
            400,
            `The resource '${name}' is not in TERMINATED state`,
            'resourceNotReady',
          );
        }
        vm.machineType = call.body.machineType;
        return respond(
          200,
          this.operation(
            zone,
            'setMachineType',
            `instances/${name}`,
            call.query.requestId,
          ),
        );
      }
    }
    if (kind === 'disks') {
      if (call.method === 'GET' && !name)
        return respond(200, this.list(this.disks, zone, call.query.filter));
      const key = `${zone}/${name}`;
      if (!this.disks.has(key))
        return this.error(
          res,
          404,
          `The resource 'projects/${call.project}/zones/${zone}/disks/${name}' was not found`,
          'notFound',
        );
      const disk = this.disks.get(key)!;
      if (call.method === 'GET') return respond(200, disk);
      if (call.method === 'POST' && action === 'resize') {
        const seen =
          call.query.requestId &&
          this.requestIds.get(`${zone}/${call.query.requestId}`);
        if (seen)
          return respond(200, this.operationBody(this.operations.get(seen)!));
        const sizeGb = Number(call.body.sizeGb);
        if (sizeGb < Number(disk.sizeGb)) {
          return this.error(
            res,
            400,
            `Requested disk size cannot be smaller than the current size`,
            'invalid',
          );
        }
        disk.sizeGb = String(sizeGb);
        const user = [...this.instances.values()].find(vm =>
          (vm.disks ?? []).some((d: Resource) => d.source === name),
        );
        const work = user && this.vmHost?.growDataDisk(user.name, sizeGb);
        return respond(
          200,
          this.operation(
            zone,
            'resize',
            `disks/${name}`,
            call.query.requestId,
            work,
          ),
        );
      }
      if (call.method === 'DELETE') {
        const user = [...this.instances.values()].find(vm =>
          (vm.disks ?? []).some((d: Resource) => d.source === name),
        );
        if (user) {
          return this.error(
            res,
            400,
            `The disk resource '${name}' is already being used by '${user.name}'`,
            'resourceInUseByAnotherResource',
          );
        }
        this.disks.delete(key);
        return respond(
          200,
          this.operation(zone, 'delete', `disks/${name}`, call.query.requestId),
        );
      }
    }
    if (kind === 'operations' && action === 'wait' && call.method === 'POST') {
      const op = this.operations.get(name);
      if (!op)
        return this.error(res, 404, `operation ${name} not found`, 'notFound');
      op.waitsLeft--;
      // like GCE, wait answers when the operation is done or after a while
      const settledOrLater = Promise.race([
        op.work ?? Promise.resolve(),
        new Promise(resolve => setTimeout(resolve, 2_000)),
      ]);
      settledOrLater.then(() => respond(200, this.operationBody(op)));
      return undefined;
    }
    return this.error(
      res,
      404,
      `The fake has no ${call.method} ${call.path}`,
      'notFound',
    );
  }

  private insert(zone: string, call: ComputeCall) {
    const seen =
      call.query.requestId &&
      this.requestIds.get(`${zone}/${call.query.requestId}`);
    if (seen) return this.operationBody(this.operations.get(seen)!);
    const body = call.body;
    if (this.exhaustedZones.has(zone)) {
      const op = this.operation(
        zone,
        'insert',
        `instances/${body.name}`,
        call.query.requestId,
      );
      const stored = this.operations.get(op.name)!;
      stored.error = {
        errors: [
          {
            code: 'ZONE_RESOURCE_POOL_EXHAUSTED',
            message: `The zone 'projects/dbaas-test/zones/${zone}' does not have enough resources available to fulfill the request.`,
          },
        ],
      };
      stored.httpErrorStatusCode = 503;
      return op;
    }
    const disks = (body.disks ?? []).map((d: Resource) => {
      const diskName = d.initializeParams?.diskName ?? body.name;
      this.disks.set(`${zone}/${diskName}`, {
        name: diskName,
        zone: this.zoneUrl(zone),
        sizeGb: String(d.initializeParams?.diskSizeGb ?? 10),
        type: d.initializeParams?.diskType,
        labels: d.initializeParams?.labels,
        diskEncryptionKey: d.diskEncryptionKey,
      });
      return {
        deviceName: d.deviceName,
        source: diskName,
        autoDelete: d.autoDelete ?? false,
        boot: d.boot ?? false,
      };
    });
    const n = this.instances.size + 10;
    const vm: Resource = {
      name: body.name,
      zone: this.zoneUrl(zone),
      status: 'STAGING',
      stagingGetsLeft: this.stagingGets,
      labels: body.labels,
      machineType: body.machineType,
      disks,
      networkInterfaces: (body.networkInterfaces ?? []).map(
        (nic: Resource) => ({
          ...nic,
          networkIP: `10.128.0.${n}`,
          accessConfigs: (nic.accessConfigs ?? []).map((a: Resource) => ({
            ...a,
            natIP: `203.0.113.${n}`,
          })),
        }),
      ),
      metadata: body.metadata,
    };
    this.instances.set(`${zone}/${body.name}`, vm);
    const work = this.vmHost
      ?.create(body.name, body)
      .then(address => this.addressed(vm, address));
    return this.operation(
      zone,
      'insert',
      `instances/${body.name}`,
      call.query.requestId,
      work,
    );
  }

  /** A real machine's address as the VM's internal (and external) IP. */
  private addressed(vm: Resource, address: string) {
    for (const nic of vm.networkInterfaces ?? []) {
      nic.networkIP = address;
      for (const a of nic.accessConfigs ?? []) a.natIP = address;
    }
  }

  private list(store: Map<string, Resource>, zone: string, filter = '') {
    const wanted = [
      ...filter.matchAll(/labels\.([a-z0-9_-]+) = "([^"]*)"/g),
    ].map(m => [m[1], m[2]]);
    const items = [...store.entries()]
      .filter(([key]) => key.startsWith(`${zone}/`))
      .map(([, r]) => r)
      .filter(r => wanted.every(([k, v]) => r.labels?.[k] === v))
      .map(({ stagingGetsLeft, ...r }) => r);
    return { items };
  }

  private operation(
    zone: string,
    type: string,
    target: string,
    requestId?: string,
    work?: Promise<unknown>,
  ) {
    const name = `operation-${++this.counter}`;
    const op: FakeOperation = {
      name,
      zone,
      operationType: type,
      targetLink: `${this.zoneUrl(zone)}/${target}`,
      waitsLeft: this.waitsPerOperation,
    };
    if (work) {
      op.work = work.then(
        () => {
          op.settled = true;
        },
        error => {
          op.settled = true;
          op.error = {
            errors: [{ code: 'INTERNAL_ERROR', message: String(error) }],
          };
          op.httpErrorStatusCode = 500;
        },
      );
    }
    this.operations.set(name, op);
    if (requestId) this.requestIds.set(`${zone}/${requestId}`, name);
    return this.operationBody(op);
  }

  private operationBody(op: FakeOperation) {
    const done = op.waitsLeft <= 0 && (!op.work || op.settled);
    return {
      kind: 'compute#operation',
      name: op.name,
      zone: this.zoneUrl(op.zone),
      operationType: op.operationType,
      targetLink: op.targetLink,
      status: done ? 'DONE' : 'RUNNING',
      ...(done && op.error
        ? { error: op.error, httpErrorStatusCode: op.httpErrorStatusCode }
        : {}),
    };
  }

  private error(
    res: http.ServerResponse,
    status: number,
    message: string,
    reason: string,
  ) {
    this.send(res, status, {
      error: {
        code: status,
        message,
        errors: [{ message, domain: 'global', reason }],
      },
    });
  }

  private send(res: http.ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}
