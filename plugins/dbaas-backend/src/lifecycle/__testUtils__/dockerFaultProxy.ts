import fs from 'fs';
import http from 'http';

/** What the proxy does with a request that matches a rule. */
export type DockerFault =
  /** answers 500 without passing the request on */
  | '5xx'
  /** never answers, and never passes it on */
  | 'hang'
  /** passes it on (Docker does the work), then answers 500: the answer is lost */
  | 'half-created';

export interface DockerFaultRule {
  method: string;
  /** Matched against the request's path and query. */
  path: RegExp;
  fault: DockerFault;
  /** How many matching requests it hits (default 1). */
  times?: number;
}

/**
 * A Docker API in front of the real one (a unix socket to a unix socket) that injects faults
 * into the requests matching its rules: a daemon that answers 500, hangs, or does the work but
 * loses the answer. Everything else passes through unchanged.
 */
export class DockerFaultProxy {
  readonly hits: string[] = [];
  private readonly rules: DockerFaultRule[] = [];
  private readonly hung = new Set<http.ServerResponse>();

  private constructor(
    private readonly server: http.Server,
    readonly socketPath: string,
  ) {}

  static async start(options: { socketPath: string; docker?: string }) {
    const upstream = options.docker ?? '/var/run/docker.sock';
    const self: { proxy?: DockerFaultProxy } = {};
    const server = http.createServer((req, res) => {
      const proxy = self.proxy!;
      const rule = proxy.rules.find(
        r =>
          r.method === req.method && r.path.test(req.url ?? '') && r.times! > 0,
      );
      if (rule) {
        rule.times!--;
        proxy.hits.push(`${rule.fault} ${req.method} ${req.url}`);
      }
      if (rule?.fault === 'hang') {
        proxy.hung.add(res);
        req.resume();
        return;
      }
      if (rule?.fault === '5xx') {
        req.resume();
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ message: 'fault proxy: internal server error' }),
        );
        return;
      }
      const forward = http.request(
        {
          socketPath: upstream,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        answer => {
          if (rule?.fault === 'half-created') {
            answer.resume();
            answer.on('end', () => {
              res.writeHead(500, { 'content-type': 'application/json' });
              res.end(
                JSON.stringify({ message: 'fault proxy: the answer was lost' }),
              );
            });
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', error => {
        res.writeHead(502);
        res.end(String(error));
      });
      req.pipe(forward);
    });
    fs.rmSync(options.socketPath, { force: true });
    await new Promise<void>(resolve =>
      server.listen(options.socketPath, resolve),
    );
    self.proxy = new DockerFaultProxy(server, options.socketPath);
    return self.proxy;
  }

  add(rule: DockerFaultRule) {
    this.rules.push({ ...rule, times: rule.times ?? 1 });
  }

  async stop() {
    for (const res of this.hung) res.destroy();
    this.server.closeAllConnections();
    await new Promise(resolve => this.server.close(resolve));
    fs.rmSync(this.socketPath, { force: true });
  }
}
