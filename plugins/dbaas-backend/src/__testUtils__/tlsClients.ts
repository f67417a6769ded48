import { Endpoint, Engine } from '@dbaas/plugin-dbaas-common';
import { spawn } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import {
  createCertificateAuthority,
  EngineTls,
  issueServerCertificate,
} from '@dbaas/plugin-dbaas-node';

/** A CA of its own and a server certificate for the names, as the Manager would issue it. */
export async function testTls(
  names = ['127.0.0.1', 'localhost'],
): Promise<EngineTls> {
  return issueServerCertificate(await createCertificateAuthority(), names);
}

/** The CA in a temporary file, as clients take it (`sslrootcert`, `--ssl-ca`). */
export function caFile(tls: EngineTls): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbaas-ca-'));
  const file = path.join(dir, 'ca.crt');
  fs.writeFileSync(file, tls.caPem);
  return file;
}

export interface ClientRun {
  code: number;
  output: string;
}

function run(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<ClientRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', c => (output += c));
    child.stderr.on('data', c => (output += c));
    child.on('error', reject);
    child.on('close', code => resolve({ code: code ?? -1, output }));
  });
}

/**
 * Runs SQL with Debian's own client, as a user would: `psql "sslmode=verify-full
 * sslrootcert=<ca>"` or `mariadb --ssl-verify-server-cert --ssl-ca=<ca>`; with
 * `plain`, without TLS (`sslmode=disable`, `--skip-ssl`).
 */
export function clientQuery(
  engine: Engine,
  endpoint: Endpoint,
  password: string,
  sql: string,
  tls: { ca: string } | 'plain',
): Promise<ClientRun> {
  const { host, port, database, user } = endpoint;
  if (engine === 'postgresql') {
    const ssl =
      tls === 'plain'
        ? 'sslmode=disable'
        : `sslmode=verify-full sslrootcert=${tls.ca}`;
    return run(
      'psql',
      [
        `host=${host} port=${port} dbname=${database} user=${user} ${ssl} connect_timeout=10`,
        '-w',
        '-v',
        'ON_ERROR_STOP=1',
        '-At',
        '-c',
        sql,
      ],
      { PGPASSWORD: password },
    );
  }
  return run(
    'mariadb',
    [
      `--host=${host}`,
      `--port=${port}`,
      `--user=${user}`,
      '--connect-timeout=10',
      ...(tls === 'plain'
        ? ['--skip-ssl']
        : ['--ssl-verify-server-cert', `--ssl-ca=${tls.ca}`]),
      '-N',
      '-B',
      '-e',
      sql,
      database,
    ],
    { MYSQL_PWD: password },
  );
}
