import http from 'http';
import { AddressInfo } from 'net';
import { DbaasClient } from './DbaasClient';

describe('DbaasClient', () => {
  let server: http.Server;
  let baseUrl: string;
  const requests: http.IncomingMessage[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests.push(req);
      if (req.url === '/api/dbaas/instances/i%2F1/ca') {
        res.setHeader('Content-Type', 'application/x-pem-file');
        res.end(
          '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
        );
        return;
      }
      const operation =
        /^\/api\/dbaas\/instances\/i-1\/(stop|start|restart|rotate-credentials)$/.exec(
          req.url ?? '',
        );
      if (operation && req.method === 'POST') {
        res.statusCode = 202;
        res.setHeader('Content-Type', 'application/json');
        res.end(
          JSON.stringify({
            id: 'i-1',
            status: 'running',
            operation: { type: operation[1] },
          }),
        );
        return;
      }
      if (req.url?.startsWith('/api/dbaas/instances/i-1/metrics')) {
        res.setHeader('Content-Type', 'application/json');
        res.end(
          JSON.stringify({
            items: [
              {
                at: '2025-01-01T10:00:00.000Z',
                connections: 3,
                sizeBytes: 7_654_321,
                transactionsPerSecond: null,
                uptimeSeconds: 60,
              },
            ],
            lastError: {
              at: '2025-01-01T09:00:00.000Z',
              message: 'the server did not answer',
              code: 'ENGINE_UNAVAILABLE',
            },
          }),
        );
        return;
      }
      if (
        /^\/api\/dbaas\/instances\/i-1\/(users|databases|upgrade|restart\?|scheduled-operation)/.test(
          req.url ?? '',
        )
      ) {
        // echoes the request: the tests check the route, the method and the body
        let body = '';
        req.on('data', chunk => (body += chunk));
        req.on('end', () => {
          res.statusCode = req.method === 'GET' ? 200 : 202;
          res.setHeader('Content-Type', 'application/json');
          const echo = {
            method: req.method,
            url: req.url,
            body: body ? JSON.parse(body) : null,
          };
          res.end(
            JSON.stringify(
              req.method === 'GET' && /(users|databases)$/.test(req.url ?? '')
                ? { items: [echo] }
                : echo,
            ),
          );
        });
        return;
      }
      if (req.url === '/api/dbaas/flavors') {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ items: [{ id: 'postgresql-17-small' }] }));
        return;
      }
      res.statusCode = 404;
      res.setHeader('Content-Type', 'application/json');
      res.end(
        JSON.stringify({
          error: { name: 'NotFoundError', message: `no route ${req.url}` },
          request: { method: req.method, url: req.url },
          response: { statusCode: 404 },
        }),
      );
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  });

  afterAll(() => new Promise(resolve => server.close(resolve)));

  const discoveryApi = {
    getBaseUrl: async (pluginId: string) => `${baseUrl}/${pluginId}`,
  };

  it('lists flavors and sends the token as a bearer token', async () => {
    const client = new DbaasClient({ discoveryApi });

    const flavors = await client.listFlavors({ token: 'abc' });

    expect(flavors).toEqual([{ id: 'postgresql-17-small' }]);
    expect(requests.at(-1)!.headers.authorization).toBe('Bearer abc');
  });

  it('reads the CA certificate as PEM text', async () => {
    const client = new DbaasClient({ discoveryApi });

    expect(await client.getCaCertificate('i/1', { token: 'abc' })).toBe(
      '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    );
    expect(requests.at(-1)!.headers.authorization).toBe('Bearer abc');
  });

  it.each(['stop', 'start', 'restart'] as const)(
    'asks for a %s with the idempotency key and answers the instance carrying it',
    async type => {
      const client = new DbaasClient({ discoveryApi });

      const accepted = await client[`${type}Instance`]('i-1', {
        token: 'abc',
        idempotencyKey: 'task-1/step-1',
      });

      expect(accepted.operation?.type).toBe(type);
      expect(requests.at(-1)!.method).toBe('POST');
      expect(requests.at(-1)!.url).toBe(`/api/dbaas/instances/i-1/${type}`);
      expect(requests.at(-1)!.headers['idempotency-key']).toBe('task-1/step-1');
    },
  );

  it('asks for a credential rotation with the idempotency key', async () => {
    const client = new DbaasClient({ discoveryApi });

    const accepted = await client.rotateCredentials('i-1', {
      token: 'abc',
      idempotencyKey: 'rotate-1',
    });

    expect(accepted.operation?.type).toBe('rotate-credentials');
    expect(requests.at(-1)!.method).toBe('POST');
    expect(requests.at(-1)!.url).toBe(
      '/api/dbaas/instances/i-1/rotate-credentials',
    );
    expect(requests.at(-1)!.headers['idempotency-key']).toBe('rotate-1');
  });

  it('reads the metrics samples, with the hours when given', async () => {
    const client = new DbaasClient({ discoveryApi });

    const samples = await client.getMetrics('i-1', 6, { token: 'abc' });

    expect(samples).toEqual([
      {
        at: '2025-01-01T10:00:00.000Z',
        connections: 3,
        sizeBytes: 7_654_321,
        transactionsPerSecond: null,
        uptimeSeconds: 60,
      },
    ]);
    expect(requests.at(-1)!.url).toBe(
      '/api/dbaas/instances/i-1/metrics?hours=6',
    );
    expect(requests.at(-1)!.headers.authorization).toBe('Bearer abc');

    await client.getMetrics('i-1');
    expect(requests.at(-1)!.url).toBe('/api/dbaas/instances/i-1/metrics');
  });

  it('calls the routes of users, databases and the upgrade', async () => {
    const client = new DbaasClient({ discoveryApi });
    const echo = (method: string, url: string, body: unknown = null) => ({
      method,
      url: `/api/dbaas/instances/i-1/${url}`,
      body,
    });

    expect(await client.listDatabaseUsers('i-1')).toEqual([
      echo('GET', 'users'),
    ]);
    expect(
      await client.createDatabaseUser(
        'i-1',
        { name: 'reader', role: 'readonly', database: 'sales' },
        { idempotencyKey: 'u-1' },
      ),
    ).toEqual(
      echo('POST', 'users', {
        name: 'reader',
        role: 'readonly',
        database: 'sales',
      }),
    );
    expect(requests.at(-1)!.headers['idempotency-key']).toBe('u-1');
    expect(await client.deleteDatabaseUser('i-1', 'reader')).toEqual(
      echo('DELETE', 'users/reader'),
    );
    expect(await client.getDatabaseUserCredentials('i-1', 'reader')).toEqual(
      echo('GET', 'users/reader/credentials'),
    );
    expect(await client.listDatabases('i-1')).toEqual([
      echo('GET', 'databases'),
    ]);
    expect(await client.createDatabase('i-1', { name: 'sales' })).toEqual(
      echo('POST', 'databases', { name: 'sales' }),
    );
    expect(await client.deleteDatabase('i-1', 'sales')).toEqual(
      echo('DELETE', 'databases/sales'),
    );
    expect(await client.upgradeInstance('i-1')).toEqual(
      echo('POST', 'upgrade'),
    );
  });

  it('asks for a restart or an upgrade at the next window, and cancels it', async () => {
    const client = new DbaasClient({ discoveryApi });

    expect(
      await client.restartInstance('i-1', {
        applyAt: 'next-window',
        idempotencyKey: 'r-1',
      }),
    ).toEqual({
      method: 'POST',
      url: '/api/dbaas/instances/i-1/restart?applyAt=next-window',
      body: null,
    });
    expect(requests.at(-1)!.headers['idempotency-key']).toBe('r-1');
    expect(
      await client.upgradeInstance('i-1', { applyAt: 'next-window' }),
    ).toEqual({
      method: 'POST',
      url: '/api/dbaas/instances/i-1/upgrade?applyAt=next-window',
      body: null,
    });
    expect(await client.cancelScheduledOperation('i-1')).toEqual({
      method: 'DELETE',
      url: '/api/dbaas/instances/i-1/scheduled-operation',
      body: null,
    });
  });

  it('reads the metrics with the last error', async () => {
    const client = new DbaasClient({ discoveryApi });

    const report = await client.getMetricsReport('i-1', 2);

    expect(report.items).toHaveLength(1);
    expect(report.lastError).toEqual({
      at: '2025-01-01T09:00:00.000Z',
      message: 'the server did not answer',
      code: 'ENGINE_UNAVAILABLE',
    });
    expect(requests.at(-1)!.url).toBe(
      '/api/dbaas/instances/i-1/metrics?hours=2',
    );
  });

  it("turns an error response into a ResponseError with the Manager's message", async () => {
    const client = new DbaasClient({
      discoveryApi: { getBaseUrl: async () => `${baseUrl}/nowhere` },
    });

    await expect(client.listFlavors()).rejects.toMatchObject({
      name: 'ResponseError',
      message:
        'Request failed with 404 Not Found: no route /api/nowhere/flavors',
      statusCode: 404,
      body: { error: { message: 'no route /api/nowhere/flavors' } },
    });
  });
});
