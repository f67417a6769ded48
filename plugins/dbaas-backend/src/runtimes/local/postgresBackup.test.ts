import fs from 'fs';
import path from 'path';
import { Client } from 'pg';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import * as tar from 'tar-stream';
import { postgresFlavor } from '../../__testUtils__/fixtures';
import {
  ctx,
  Instance,
  localBackupHarness,
} from '../../__testUtils__/localBackups';
import { RecoveryWindowFault } from '@dbaas/plugin-dbaas-node';

jest.setTimeout(60_000);

describe('PostgreSQL backups and point-in-time recovery on the local runtime', () => {
  const h = localBackupHarness(postgresFlavor, 'backup-test');
  const { newHost, deployed, ship, backupTo, restoreFrom } = h;

  async function sql<T = Record<string, unknown>>(
    { host, spec, secrets }: Instance,
    text: string,
    as: 'app' | 'admin' = 'app',
  ): Promise<T[]> {
    const client = new Client({
      host: host.address,
      port: Number(host.data.port),
      ...(as === 'app'
        ? {
            user: spec.username,
            password: secrets.password,
            database: spec.database,
          }
        : {
            user: 'postgres',
            password: secrets.adminPassword,
            database: 'template1',
          }),
    });
    await client.connect();
    try {
      return (await client.query(text)).rows;
    } finally {
      await client.end();
    }
  }

  /** Every table's row count and an md5 of its rows in order. */
  async function fingerprint(instance: Instance) {
    const tables = await sql<{ name: string }>(
      instance,
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    const result: Record<string, unknown> = {};
    for (const { name } of tables) {
      [result[name]] = await sql(
        instance,
        `SELECT count(*)::int AS rows, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS md5 FROM ${name} t`,
      );
    }
    return result;
  }

  /** Ends the current WAL segment and waits until it is in the spool. */
  async function archiveNow(instance: Instance) {
    const [{ wal }] = await sql<{ wal: string }>(
      instance,
      'SELECT pg_walfile_name(pg_switch_wal()) AS wal',
      'admin',
    );
    const deadline = Date.now() + 20_000;
    while (
      !(await h.backups.archivedWal(instance.host, instance.spec)).some(
        f => f.name === wal,
      )
    ) {
      if (Date.now() > deadline) throw new Error(`${wal} was not archived`);
      await new Promise(resolve => setTimeout(resolve, 100));
    }
  }

  async function tarNames(file: string) {
    const names: string[] = [];
    const extract = tar.extract();
    fs.createReadStream(file).pipe(extract as unknown as NodeJS.WritableStream);
    for await (const entry of extract) {
      names.push(entry.header.name);
      entry.resume();
    }
    return names;
  }

  it('backs up a server being written to and restores it to a new instance: every table equal', async () => {
    const source = await deployed();
    await sql(
      source,
      `CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(10,2));
       INSERT INTO items SELECT i, md5(i::text), i / 7.0 FROM generate_series(1, 20000) i;
       CREATE TABLE notes (id serial PRIMARY KEY, body jsonb, at timestamptz DEFAULT now());
       INSERT INTO notes (body) SELECT jsonb_build_object('n', i) FROM generate_series(1, 500) i;`,
    );
    const backup = await h.backups.baseBackup(
      source.host,
      source.spec,
      source.secrets,
      ctx,
    );
    const file = path.join(h.dataDir, 'full.tar');
    const output = fs.createWriteStream(file);
    const copied = pipeline(backup.stream, output);
    // written while the files are copied: only the WAL replay brings these
    await sql(
      source,
      `UPDATE items SET price = price + 1 WHERE id % 3 = 0; DELETE FROM notes WHERE id < 100`,
    );
    await copied;
    const info = await backup.result;
    expect(info.stopLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(info.startWalFile <= info.stopWalFile).toBe(true);
    expect(info.stoppedAt.getTime()).toBeGreaterThanOrEqual(
      info.startedAt.getTime(),
    );
    const names = await tarNames(file);
    expect(names[names.length - 1]).toBe('backup_label');
    expect(names).toContain('PG_VERSION');
    expect(names.filter(n => /^pg_wal\/./.test(n))).toEqual([
      'pg_wal/archive_status',
      'pg_wal/summaries',
    ]);
    expect(names).not.toContain('postmaster.pid');
    expect(names).not.toContain('server.key');

    await sql(
      source,
      `INSERT INTO notes (body) VALUES ('{"after": "backup"}')`,
    );
    await archiveNow(source);
    const wal = path.join(h.dataDir, 'full-wal');
    expect(await ship(source, wal)).toContain(info.stopWalFile);

    const copy = await newHost();
    const restored = await restoreFrom(copy, file, wal, {
      backupStoppedAt: info.stoppedAt,
    });
    expect(restored.lastTransactionAt).toBeInstanceOf(Date);
    await h.runtime.engine.deploy(copy.host, copy.spec, copy.secrets, ctx);
    expect(Number(copy.host.data.port)).not.toBe(Number(source.host.data.port));
    const expected = await fingerprint(source);
    expect(Object.keys(expected)).toEqual(['items', 'notes']);
    expect(await fingerprint(copy)).toEqual(expected);
    // the new instance's own admin password, and a normal server after a restart
    await h.runtime.engine.stop(copy.host, copy.spec, ctx);
    await h.runtime.engine.start(copy.host, copy.spec, copy.secrets, ctx);
    expect(await sql(copy, 'SELECT pg_is_in_recovery() AS r', 'admin')).toEqual(
      [{ r: false }],
    );
  });

  it('restores to a moment between two commits: exactly the rows committed before it', async () => {
    const { info, marks, file, wal } = await h.betweenCommits({
      sql,
      createEvents:
        'CREATE TABLE events (id int PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())',
      closeLog: archiveNow,
      gapMs: 1_000,
      prefix: 'pitr',
    });

    // outside the window: refused, naming it; no server is left running
    // past the last archived commit: known once the WAL is replayed
    const late = await h.lateRefusal(file, wal, info);
    expect(Math.abs(late.latest.getTime() - marks[2].getTime())).toBeLessThan(
      1_000,
    );
    const refused = (targetTime: Date) => h.refused(file, wal, { targetTime });
    // before the backup began: refused before any start, from the backup's own label
    const early = await refused(new Date(info.startedAt.getTime() - 60_000));
    expect(early).toBeInstanceOf(RecoveryWindowFault);
    expect(early.earliest.getTime()).toBeGreaterThan(
      info.startedAt.getTime() - 1_000,
    );
    expect(early.earliest.getTime()).toBeLessThanOrEqual(
      info.stoppedAt.getTime(),
    );
  });

  it('a server killed in the middle of a base backup errors the stream; the next backup succeeds', async () => {
    const source = await deployed();
    await sql(
      source,
      'CREATE TABLE big AS SELECT i, repeat(md5(i::text), 8) AS pad FROM generate_series(1, 50000) i',
    );
    await h.killMidBackup(
      source,
      path.join(String(source.host.data.dir), 'pgdata', 'postmaster.pid'),
    );
    const file = path.join(h.dataDir, 'after-kill.tar');
    const info = await backupTo(source, file);
    expect(info.stoppedAt).toBeInstanceOf(Date);
    expect((await tarNames(file)).slice(-1)).toEqual(['backup_label']);
  });

  it('archives on every server: settings in its configuration, finished segments in its spool', async () => {
    const instance = await deployed();
    const [settings] = await sql<Record<string, string>>(
      instance,
      "SELECT current_setting('archive_mode') AS mode, current_setting('archive_timeout') AS timeout, current_setting('archive_command') AS command",
      'admin',
    );
    expect(settings.mode).toBe('on');
    expect(settings.timeout).toBe('30s');
    expect(settings.command).toContain(
      path.join(String(instance.host.data.dir), 'wal-spool'),
    );
    await archiveNow(instance);
    const [file] = await h.backups.archivedWal(instance.host, instance.spec);
    expect(file.name).toMatch(/^[0-9A-F]{24}$/);
    expect(file.size).toBe(16 * 1024 * 1024);
    const chunks: Buffer[] = [];
    for await (const chunk of (await file.open()) as Readable)
      chunks.push(chunk);
    expect(Buffer.concat(chunks).length).toBe(file.size);
  });
});
