import http from 'http';
import { AddressInfo } from 'net';
import { retryingFetch } from './client';

describe('retryingFetch', () => {
  it('asks again when a read loses its connection, and never repeats a write', async () => {
    let requests = 0;
    const server = http.createServer((req, res) => {
      requests++;
      if (requests === 1) {
        req.socket.destroy(); // the connection drops before an answer
        return;
      }
      res.end('ok');
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const res = await retryingFetch(url);
      expect(await res.text()).toBe('ok');
      expect(requests).toBe(2);

      requests = 0;
      await expect(retryingFetch(url, { method: 'POST' })).rejects.toThrow(
        'fetch failed',
      );
      expect(requests).toBe(1);
    } finally {
      server.close();
    }
  });
});
