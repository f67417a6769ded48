import { Endpoint, Engine } from '@dbaas/plugin-dbaas-common';
import { EngineTls, mysqlSsl, postgresSsl } from '@dbaas/plugin-dbaas-node';
import mysql from 'mysql2/promise';
import { Client } from 'pg';
import { MetricsSample } from '../store/MetricsStore';

/**
 * Reads what an owner looks at before resizing, as the application user over the engine's
 * verified TLS (so the same on every runtime): connections to its database, the database's
 * size, transactions since the server started, and the server's uptime.
 */
export async function sampleMetrics(options: {
  engine: Engine;
  endpoint: Endpoint;
  password: string;
  tls?: EngineTls;
}): Promise<MetricsSample> {
  const { engine, endpoint, password, tls } = options;
  const { host, port, database, user } = endpoint;
  if (engine === 'postgresql') {
    const client = new Client({
      host,
      port,
      database,
      user,
      password,
      connectionTimeoutMillis: 5000,
      ssl: postgresSsl(tls),
    });
    await client.connect();
    try {
      const { rows } = await client.query(
        `SELECT
           (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()) AS connections,
           pg_database_size(current_database()) AS size,
           (SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()) AS transactions,
           extract(epoch FROM now() - pg_postmaster_start_time())::bigint AS uptime`,
      );
      return toSample(rows[0]);
    } finally {
      await client.end().catch(() => {});
    }
  }
  const conn = await mysql.createConnection({
    host,
    port,
    database,
    user,
    password,
    connectTimeout: 5000,
    ssl: mysqlSsl(tls, host),
  });
  try {
    const [rows] = await conn.query(
      `SELECT
         (SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE()) AS connections,
         (SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.TABLES
            WHERE table_schema = DATABASE()) AS size,
         (SELECT SUM(VARIABLE_VALUE) FROM information_schema.GLOBAL_STATUS
            WHERE VARIABLE_NAME IN ('COM_COMMIT', 'COM_ROLLBACK')) AS transactions,
         (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS
            WHERE VARIABLE_NAME = 'UPTIME') AS uptime`,
    );
    return toSample((rows as any[])[0]);
  } finally {
    await conn.end().catch(() => {});
  }
}

function toSample(row: Record<string, unknown>): MetricsSample {
  return {
    connections: Number(row.connections ?? 0),
    sizeBytes: Number(row.size ?? 0),
    transactions: Number(row.transactions ?? 0),
    uptimeSeconds: Number(row.uptime ?? 0),
  };
}
