import { Knex } from 'knex';

const INSTANCES = 'dbaas_instances';
const OWNER_LOCKS = 'dbaas_owner_locks';

export interface Usage {
  instances: number;
  storageGiB: number;
}

export async function usageOf(knex: Knex, owner: string): Promise<Usage> {
  const row = await knex(INSTANCES)
    .where({ owner })
    // a failed create whose resources could not be removed yet still takes its share
    .andWhere(q =>
      q
        .whereNotIn('status', ['deleted', 'failed'])
        .orWhere(f =>
          f.where('status', 'failed').andWhere('cleanup_pending', true),
        ),
    )
    .count({ count: '*' })
    .sum({ storage: 'storage_gib' })
    .first();
  return {
    instances: Number(row?.count ?? 0),
    storageGiB: Number(row?.storage ?? 0),
  };
}

/** Serialises the owner's admissions until the transaction ends (SQLite has one writer anyway). */
export async function lockOwner(tx: Knex.Transaction, owner: string) {
  await tx(OWNER_LOCKS).insert({ owner }).onConflict('owner').ignore();
  await tx(OWNER_LOCKS).where({ owner }).forUpdate().first();
}
