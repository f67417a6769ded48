import { Knex } from 'knex';
import { dbNowMs, dbNowPlusMs } from './dbClock';
import { isUniqueViolation } from './InstanceStore';

const TABLE = 'dbaas_idempotency';

/** What a key holds: the request it was first used for and, once answered, the answer. */
export interface IdempotentRecord {
  requestHash: string;
  response?: { status: number; body: unknown };
}

/** First answers to Idempotency-Keys, per caller, kept for a day (database clock). */
export class IdempotencyStore {
  constructor(
    private readonly knex: Knex,
    private readonly ttlMs = 24 * 3600_000,
  ) {}

  /**
   * Reserves the key for this request, or returns what the key already holds. Expired
   * records are replaced.
   */
  async reserve(
    caller: string,
    key: string,
    requestHash: string,
  ): Promise<IdempotentRecord | undefined> {
    const { knex } = this;
    await knex(TABLE)
      .where({ caller, key })
      .andWhere('expires_at_ms', '<', dbNowMs(knex))
      .delete();
    try {
      await knex(TABLE).insert({
        caller,
        key,
        request_hash: requestHash,
        status: null,
        body: null,
        expires_at_ms: dbNowPlusMs(knex, this.ttlMs),
      });
      return undefined;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    const row = await knex(TABLE).where({ caller, key }).first();
    if (!row) return this.reserve(caller, key, requestHash);
    return {
      requestHash: row.request_hash,
      response:
        row.status === null
          ? undefined
          : { status: Number(row.status), body: JSON.parse(row.body) },
    };
  }

  async answer(
    caller: string,
    key: string,
    response: { status: number; body: unknown },
  ) {
    await this.knex(TABLE)
      .where({ caller, key })
      .update({ status: response.status, body: JSON.stringify(response.body) });
  }

  /** Frees the key (the request failed in a way a retry may fix). */
  async forget(caller: string, key: string) {
    await this.knex(TABLE).where({ caller, key }).delete();
  }

  /** Removes the answers kept past their day; returns how many. */
  async prune(): Promise<number> {
    return this.knex(TABLE)
      .where('expires_at_ms', '<', dbNowMs(this.knex))
      .delete();
  }
}
