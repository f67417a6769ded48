import { Endpoint, Engine } from '@dbaas/plugin-dbaas-common';
import mysql from 'mysql2/promise';
import { Client } from 'pg';

/** Whether the engine answers a query as the application user: the check a client would make. */
export async function engineAnswers(
  engine: Engine,
  endpoint: Endpoint,
  password: string,
  timeoutMs = 2000,
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
