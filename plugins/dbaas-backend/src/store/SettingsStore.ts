import { Knex } from 'knex';

const SETTINGS = 'dbaas_settings';

/**
 * Values the Manager keeps once for every replica (e.g. its sealed TLS CA), in the table
 * `dbaas_settings` made by the plugin's migrations (run by `InstanceStore.create`).
 */
export class SettingsStore {
  constructor(private readonly knex: Knex) {}

  async get(key: string): Promise<string | undefined> {
    const row = await this.knex(SETTINGS).where({ key }).first();
    return row?.value;
  }

  /**
   * Stores the value unless the key has one; answers the value that is stored then. Two
   * replicas racing both get the winner's value, so they agree on it.
   */
  async insertIfAbsent(key: string, value: string): Promise<string> {
    await this.knex(SETTINGS)
      .insert({ key, value, updated_at: new Date().toISOString() })
      .onConflict('key')
      .ignore();
    const stored = await this.get(key);
    if (stored === undefined) {
      throw new Error(`Setting ${key} vanished right after it was stored`);
    }
    return stored;
  }

  /** Replaces the value only while it is still `before`: never over a concurrent change. */
  async swap(key: string, before: string, after: string): Promise<boolean> {
    const updated = await this.knex(SETTINGS)
      .where({ key, value: before })
      .update({ value: after, updated_at: new Date().toISOString() });
    return updated === 1;
  }

  async list(): Promise<Array<{ key: string; value: string }>> {
    const rows = await this.knex(SETTINGS)
      .select('key', 'value')
      .orderBy('key');
    return rows.map(r => ({ key: r.key, value: r.value }));
  }
}
