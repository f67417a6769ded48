import { Credentials, Engine } from '@dbaas/plugin-dbaas-common';
import mysql from 'mysql2/promise';
import { Client } from 'pg';

/**
 * Runs SQL on an instance as its application user, with the credentials the Manager hands
 * out, over TLS verified against `ca` (default: the credentials' own CA); its rows.
 */
export async function appSql(
  engine: Engine,
  c: Pick<Credentials, 'host' | 'port' | 'database' | 'username' | 'password'>,
  text: string,
  ca: string | undefined = (c as Credentials).ca,
): Promise<any[]> {
  if (engine === 'postgresql') {
    const client = new Client({
      host: c.host,
      port: c.port,
      database: c.database,
      user: c.username,
      password: c.password,
      ssl: { ca, rejectUnauthorized: true },
    });
    await client.connect();
    try {
      return (await client.query(text)).rows;
    } finally {
      await client.end();
    }
  }
  const conn = await mysql.createConnection({
    host: c.host,
    port: c.port,
    database: c.database,
    user: c.username,
    password: c.password,
    ssl: { ca, rejectUnauthorized: true, verifyIdentity: true },
  });
  try {
    const [rows] = await conn.query(text);
    return rows as any[];
  } finally {
    await conn.end();
  }
}
