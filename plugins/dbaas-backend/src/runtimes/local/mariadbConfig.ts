import crypto from 'crypto';
import fs from 'fs/promises';
import os from 'os';
import path from 'path';
import { EngineSecrets, EngineSpec, EngineTls } from '@dbaas/plugin-dbaas-node';
import { LocalHost } from './LocalServer';
import { binlogSettings, prepareBinlog } from './mariadbArchiving';
import { chownTo, RunAs } from './processes';

/** Where one local MariaDB server keeps its files. */
export type MariadbPaths = ReturnType<typeof mariadbPaths>;

export function mariadbPaths(host: LocalHost) {
  // unix socket paths are limited to ~100 bytes: keep them short and outside the data dir
  const id = crypto
    .createHash('sha256')
    .update(host.dir)
    .digest('hex')
    .slice(0, 16);
  return {
    data: path.join(host.dir, 'mysql'),
    config: path.join(host.dir, 'my.cnf'),
    pid: path.join(host.dir, 'mariadb.pid'),
    log: path.join(host.dir, 'mariadb.log'),
    socket: path.join(os.tmpdir(), `dbaas-${id}.sock`),
    tls: path.join(host.dir, 'tls'),
    // the server's own: bootstraps that share /tmp collide on their temporary tables
    // ("Unknown table 'mysql.tmp_user_sys'") when several instances install at once
    tmp: path.join(host.dir, 'tmp'),
  };
}

/**
 * my.cnf, and the server's certificate, key and CA in `<dir>/tls`: written before every
 * start, so the stored certificate is the one served; with `binlog`, the binary log's folder.
 */
export async function writeMariadbConfig(
  host: LocalHost,
  spec: EngineSpec,
  secrets: EngineSecrets,
  runAs: RunAs,
  options: { binlog?: boolean } = {},
) {
  const p = mariadbPaths(host);
  await chownTo(host.dir, runAs);
  await fs.mkdir(p.tmp, { recursive: true, mode: 0o700 });
  await chownTo(p.tmp, runAs);
  if (options.binlog) await prepareBinlog(host.dir, runAs);
  if (secrets.tls) {
    await fs.mkdir(p.tls, { recursive: true, mode: 0o700 });
    await chownTo(p.tls, runAs);
    for (const [name, content] of Object.entries(tlsFiles(secrets.tls))) {
      const file = path.join(p.tls, name);
      await fs.rm(file, { force: true });
      await fs.writeFile(file, content, { mode: 0o600 });
      await chownTo(file, runAs);
    }
  }
  await fs.writeFile(
    p.config,
    serverConfig(
      host,
      p,
      spec.flavor.memoryMiB,
      secrets.tls ? { require: spec.flavor.tls?.require ?? false } : undefined,
      options.binlog ?? false,
    ),
  );
}

function tlsFiles(tls: EngineTls) {
  return {
    'server.crt': tls.certificatePem,
    'server.key': tls.privateKeyPem,
    'ca.crt': tls.caPem,
  };
}

/**
 * The my.cnf of one server: its files, its port and address, memory, TLS, and the binary log
 * (point-in-time recovery) when `binlog`.
 */
export function serverConfig(
  host: LocalHost,
  p: Omit<MariadbPaths, 'config'>,
  memoryMiB: number,
  tls?: { require: boolean },
  binlog = false,
) {
  const file = (name: keyof ReturnType<typeof tlsFiles>) =>
    path.join(p.tls, name);
  return [
    '# Written by the DBaaS local runtime',
    '[mysqld]',
    `datadir = ${p.data}`,
    `port = ${host.port}`,
    `bind-address = ${host.host}`,
    `socket = ${p.socket}`,
    `pid-file = ${p.pid}`,
    `log-error = ${p.log}`,
    `tmpdir = ${p.tmp}`,
    `innodb_buffer_pool_size = ${Math.max(64, Math.floor(memoryMiB / 2))}M`,
    'character-set-server = utf8mb4',
    'collation-server = utf8mb4_unicode_ci',
    'skip-name-resolve = 0',
    ...binlogSettings(host.dir, binlog),
    ...(tls
      ? [
          `ssl_cert = ${file('server.crt')}`,
          `ssl_key = ${file('server.key')}`,
          `ssl_ca = ${file('ca.crt')}`,
          'tls_version = TLSv1.2,TLSv1.3',
          // the unix socket (the Manager's admin access) counts as secure transport
          `require_secure_transport = ${tls.require ? 'ON' : 'OFF'}`,
        ]
      : []),
    '',
  ].join('\n');
}
