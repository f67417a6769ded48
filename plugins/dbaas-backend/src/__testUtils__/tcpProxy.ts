import net from 'net';

/**
 * A TCP proxy in front of a real server (the store's PostgreSQL) that a test can cut: every
 * open connection is dropped and new ones are refused until it is restored, as in a network
 * partition or a database failover.
 */
export class TcpProxy {
  private cutUntil = 0;

  private constructor(
    private readonly server: net.Server,
    private readonly sockets: Set<net.Socket>,
    readonly port: number,
  ) {}

  get isCut() {
    return Date.now() < this.cutUntil;
  }

  static async start(target: { host: string; port: number }) {
    const sockets = new Set<net.Socket>();
    const self: { proxy?: TcpProxy } = {};
    const server = net.createServer(client => {
      if (self.proxy?.isCut) {
        client.destroy();
        return;
      }
      const upstream = net.connect(target.port, target.host);
      for (const [a, b] of [
        [client, upstream],
        [upstream, client],
      ]) {
        a.pipe(b);
        a.on('error', () => b.destroy());
        a.on('close', () => b.destroy());
        sockets.add(a);
        a.on('close', () => sockets.delete(a));
      }
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    self.proxy = new TcpProxy(
      server,
      sockets,
      (server.address() as net.AddressInfo).port,
    );
    return self.proxy;
  }

  /** Drops every connection and refuses new ones for `ms`. */
  cut(ms: number) {
    this.cutUntil = Date.now() + ms;
    this.sockets.forEach(s => s.destroy());
  }

  async stop() {
    this.sockets.forEach(s => s.destroy());
    await new Promise(resolve => this.server.close(resolve));
  }
}
