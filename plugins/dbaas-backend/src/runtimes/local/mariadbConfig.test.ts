import os from 'os';
import { mariadbPaths, serverConfig } from './mariadbConfig';

const host = { dir: '/srv/dbaas/abc', host: '127.0.0.1', port: 33060 };

describe('mariadbPaths', () => {
  it('keeps the files in the host dir and a short socket path in the temp dir', () => {
    const p = mariadbPaths(host);
    expect(p).toMatchObject({
      data: '/srv/dbaas/abc/mysql',
      config: '/srv/dbaas/abc/my.cnf',
      tmp: '/srv/dbaas/abc/tmp',
      tls: '/srv/dbaas/abc/tls',
    });
    expect(p.socket).toMatch(/\/dbaas-[0-9a-f]{16}\.sock$/);
    expect(p.socket.startsWith(os.tmpdir())).toBe(true);
    expect(mariadbPaths({ ...host, dir: '/srv/dbaas/other' }).socket).not.toBe(
      p.socket,
    );
  });
});

describe('serverConfig', () => {
  const p = mariadbPaths(host);

  it('names the files, port and address, and sizes the buffer pool from the memory', () => {
    const lines = serverConfig(host, p, 1024).split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        '[mysqld]',
        'datadir = /srv/dbaas/abc/mysql',
        'port = 33060',
        'bind-address = 127.0.0.1',
        `socket = ${p.socket}`,
        'tmpdir = /srv/dbaas/abc/tmp',
        'innodb_buffer_pool_size = 512M',
      ]),
    );
    expect(lines.some(l => l.startsWith('ssl'))).toBe(false);
    expect(serverConfig(host, p, 64)).toContain(
      'innodb_buffer_pool_size = 64M',
    );
  });

  it('serves TLS from the tls folder, refusing plain text only when required', () => {
    const config = serverConfig(host, p, 256, { require: true });
    expect(config).toContain('ssl_cert = /srv/dbaas/abc/tls/server.crt');
    expect(config).toContain('ssl_key = /srv/dbaas/abc/tls/server.key');
    expect(config).toContain('ssl_ca = /srv/dbaas/abc/tls/ca.crt');
    expect(config).toContain('require_secure_transport = ON');
    expect(serverConfig(host, p, 256, { require: false })).toContain(
      'require_secure_transport = OFF',
    );
  });
});

describe('the binary log', () => {
  const p = mariadbPaths(host);

  it('is on with walArchiving: row events, a server id, files beside the data directory', () => {
    const lines = serverConfig(host, p, 256, undefined, true).split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'log_bin = /srv/dbaas/abc/binlog/mariadb-bin',
        'log_bin_index = /srv/dbaas/abc/binlog/mariadb-bin.index',
        'binlog_format = ROW',
        'server_id = 1',
      ]),
    );
    expect(serverConfig(host, p, 256)).not.toContain('log_bin');
  });
});
