import { Knex } from 'knex';

/**
 * The database's own time in epoch milliseconds, as an SQL expression: leases compare against
 * this, never against a replica's clock, so clock skew between replicas cannot hand one
 * instance to two of them.
 */
export function dbNowMs(knex: Knex): Knex.Raw {
  const dialect = String(knex.client.config.client ?? knex.client.dialect);
  if (/pg|postgres/.test(dialect)) {
    return knex.raw('(extract(epoch from clock_timestamp()) * 1000)::bigint');
  }
  if (/mysql/.test(dialect)) {
    return knex.raw('CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)');
  }
  if (/sqlite/.test(dialect)) {
    return knex.raw(
      "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
    );
  }
  throw new Error(`No database clock for the '${dialect}' store`);
}

/** `dbNowMs() + ms`, as an SQL expression. */
export function dbNowPlusMs(knex: Knex, ms: number): Knex.Raw {
  return knex.raw('(? + ?)', [dbNowMs(knex), Math.round(ms)]);
}
