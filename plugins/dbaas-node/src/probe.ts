import { Endpoint, Engine } from '@dbaas/plugin-dbaas-common';
import mysql from 'mysql2/promise';
import net from 'net';
import { Client } from 'pg';
import { EngineTls } from './runtime';

/**
 * `ssl` for node-postgres: verify the server with the Manager's CA and its name (verify-full),
 * or plain text for an engine deployed before it had a certificate.
 */
export function postgresSsl(tls: EngineTls | undefined) {
  return tls ? { ca: tls.caPem, rejectUnauthorized: true } : undefined;
}

/**
 * `ssl` for mysql2: verify the server with the Manager's CA and its name (VERIFY_IDENTITY).
 * mysql2 checks the name of a server reached by IP address against "localhost" instead of
 * the address, so there only the certificate's chain to the CA is verified.
 */
export function mysqlSsl(tls: EngineTls | undefined, host: string) {
  return tls
    ? {
        ca: tls.caPem,
        rejectUnauthorized: true,
        verifyIdentity: net.isIP(host) === 0,
      }
    : undefined;
}

/** Whether the engine answers a query as the application user: the check a client would make. */
export async function engineAnswers(
  engine: Engine,
  endpoint: Endpoint,
  password: string,
  timeoutMs = 2000,
  tls?: EngineTls,
): Promise<boolean> {
  const { host, port, database, user } = endpoint;
  try {
    if (engine === 'postgresql') {
      const client = new Client({
        host,
        port,
        database,
        user,
        password,
        connectionTimeoutMillis: timeoutMs,
        ssl: postgresSsl(tls),
      });
      try {
        await client.connect();
        await client.query('SELECT 1');
      } finally {
        await client.end().catch(() => {});
      }
    } else {
      const conn = await mysql.createConnection({
        host,
        port,
        database,
        user,
        password,
        connectTimeout: timeoutMs,
        ssl: mysqlSsl(tls, host),
      });
      try {
        await conn.query('SELECT 1');
      } finally {
        await conn.end().catch(() => {});
      }
    }
    return true;
  } catch {
    return false;
  }
}
