import { Endpoint, Engine } from '@dbaas/plugin-dbaas-common';
import {
  engineAnswers,
  EngineTls,
  mysqlSsl,
  postgresSsl,
  RuntimeFault,
} from '@dbaas/plugin-dbaas-node';
import mysql from 'mysql2/promise';
import { Client } from 'pg';
import { scramVerifier } from '../crypto/scramVerifier';

/**
 * Gives the application user `next` as its password, as the user itself over the engine's
 * verified TLS connection, so it works the same on every runtime. Idempotent: when `next`
 * already works (a rotation that was cut short), nothing is changed. PostgreSQL gets a SCRAM
 * verifier computed here, so the password itself never reaches the server's statement log.
 */
export async function rotateOwnPassword(options: {
  engine: Engine;
  endpoint: Endpoint;
  tls?: EngineTls;
  current: string;
  next: string;
}) {
  const { engine, endpoint, tls, current, next } = options;
  if (await engineAnswers(engine, endpoint, next, 5000, tls)) return;
  const { host, port, database, user } = endpoint;
  try {
    if (engine === 'postgresql') {
      const client = new Client({
        host,
        port,
        database,
        user,
        password: current,
        connectionTimeoutMillis: 10_000,
        ssl: postgresSsl(tls),
      });
      await client.connect();
      try {
        await client.query(
          `ALTER ROLE CURRENT_USER WITH PASSWORD ${client.escapeLiteral(
            scramVerifier(next),
          )}`,
        );
      } finally {
        await client.end().catch(() => {});
      }
    } else {
      const conn = await mysql.createConnection({
        host,
        port,
        database,
        user,
        password: current,
        connectTimeout: 10_000,
        ssl: mysqlSsl(tls, host),
      });
      try {
        // any MariaDB account may set its own password so (ALTER USER needs CREATE USER);
        // MySQL 8 has no PASSWORD() and lets an account ALTER USER itself
        await conn.query(
          engine === 'mysql'
            ? 'ALTER USER CURRENT_USER() IDENTIFIED BY ?'
            : 'SET PASSWORD = PASSWORD(?)',
          [next],
        );
      } finally {
        await conn.end().catch(() => {});
      }
    }
  } catch (error) {
    // never the driver's message: a server may quote the statement, password and all
    const e = error as { code?: string; errno?: number };
    throw new RuntimeFault(
      'ENGINE_UNAVAILABLE',
      `setting the new password failed (${e.code ?? e.errno ?? 'error'})`,
    );
  }
  if (!(await engineAnswers(engine, endpoint, next, 5000, tls))) {
    throw new RuntimeFault(
      'ENGINE_UNAVAILABLE',
      'the new password was set but the database does not accept it',
    );
  }
}
