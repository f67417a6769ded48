import fs from 'fs';
import mysql from 'mysql2/promise';
import path from 'path';
import { pipeline } from 'stream/promises';
import { mariadbFlavor } from '../../__testUtils__/fixtures';
import {
  ctx,
  Instance,
  localBackupHarness,
} from '../../__testUtils__/localBackups';
import { RecoveryWindowFault } from '@dbaas/plugin-dbaas-node';
import { localHost } from './LocalHostProvider';
import { mariadbPaths } from './mariadbConfig';

jest.setTimeout(60_000);

describe('MariaDB backups and point-in-time recovery on the local runtime', () => {
  const h = localBackupHarness(mariadbFlavor, 'mariadb-backup-test');
  const { newHost, deployed, ship, backupTo, restoreFrom } = h;

  /** As the application user over TCP, or as root over the socket. */
  async function sql<T = Record<string, unknown>>(
    { host, spec, secrets }: Instance,
    text: string,
    as: 'app' | 'admin' = 'app',
  ): Promise<T[]> {
    const conn = await mysql.createConnection(
      as === 'app'
        ? {
            host: host.address,
            port: Number(host.data.port),
            user: spec.username,
            password: secrets.password,
            database: spec.database,
            multipleStatements: true,
          }
        : {
            socketPath: mariadbPaths(localHost(host)).socket,
            user: 'root',
            password: secrets.adminPassword,
          },
    );
    try {
      return (await conn.query(text))[0] as T[];
    } finally {
      await conn.end();
    }
  }

  /** Every table's row count and an md5 of its rows in order. */
  async function fingerprint(instance: Instance) {
    const tables = await sql<{ name: string }>(
      instance,
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'orders' ORDER BY 1",
    );
    const result: Record<string, unknown> = {};
    for (const { name } of tables) {
      const columns = await sql<{ c: string }>(
        instance,
        `SELECT column_name AS c FROM information_schema.columns WHERE table_schema = 'orders' AND table_name = '${name}' ORDER BY ordinal_position`,
      );
      const row = `CONCAT_WS('|', ${columns
        .map(c => `\`${c.c}\``)
        .join(', ')})`;
      await sql(instance, 'SET SESSION group_concat_max_len = 1073741824');
      [result[name]] = await sql(
        instance,
        `SET SESSION group_concat_max_len = 1073741824; SELECT COUNT(*) AS \`rows\`, MD5(COALESCE(GROUP_CONCAT(${row} ORDER BY ${row} SEPARATOR '\\n'), '')) AS md5 FROM \`${name}\``,
      ).then(sets => (sets as unknown as unknown[][])[1]);
    }
    return result;
  }

  /** Closes the binary log file being written, so it is finished and spooled. */
  async function flushBinlog(instance: Instance) {
    await sql(instance, 'FLUSH BINARY LOGS', 'admin');
  }

  it('backs up a server being written to and restores it to a new instance: every table equal', async () => {
    const source = await deployed();
    await sql(
      source,
      `CREATE TABLE items (id int PRIMARY KEY, name varchar(64), price decimal(10,2));
       INSERT INTO items SELECT seq, MD5(seq), seq / 7 FROM seq_1_to_20000;
       CREATE TABLE notes (id int AUTO_INCREMENT PRIMARY KEY, body json, at datetime(6) DEFAULT NOW(6));
       INSERT INTO notes (body) SELECT JSON_OBJECT('n', seq) FROM seq_1_to_500;`,
    );
    const backup = await h.backups.baseBackup(
      source.host,
      source.spec,
      source.secrets,
      ctx,
    );
    const file = path.join(h.dataDir, 'full.xb');
    const copied = pipeline(backup.stream, fs.createWriteStream(file));
    // written while the files are copied: the redo log or the binary log brings these
    await sql(
      source,
      'UPDATE items SET price = price + 1 WHERE id % 3 = 0; DELETE FROM notes WHERE id < 100',
    );
    await copied;
    const info = await backup.result;
    expect(info.startWalFile).toMatch(/^mariadb-bin\.\d{6}$/);
    expect(Number(info.stopLsn)).toBeGreaterThan(0);
    expect(info.stoppedAt.getTime()).toBeGreaterThanOrEqual(
      info.startedAt.getTime(),
    );
    // the scratch folder and the option file with root's password are gone
    expect(
      fs
        .readdirSync(String(source.host.data.dir))
        .filter(n => n.startsWith('backup-')),
    ).toEqual([]);

    await sql(
      source,
      `INSERT INTO notes (body) VALUES ('{"after": "backup"}')`,
    );
    await flushBinlog(source);
    const wal = path.join(h.dataDir, 'full-binlog');
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
    expect(expected.notes).toMatchObject({ rows: 402 });
    expect(await fingerprint(copy)).toEqual(expected);
    // the new instance's own root password, after a restart
    await h.runtime.engine.stop(copy.host, copy.spec, ctx);
    await h.runtime.engine.start(copy.host, copy.spec, copy.secrets, ctx);
    expect(await sql(copy, 'SELECT 1 AS one', 'admin')).toEqual([{ one: 1 }]);
  });

  it('restores to a moment between two commits: exactly the rows committed before it', async () => {
    // the binary log counts whole seconds: the target (400 ms after t2) is more than a second
    // before t3
    const { info, marks, file, wal } = await h.betweenCommits({
      sql,
      createEvents:
        'CREATE TABLE events (id int PRIMARY KEY, at datetime(6) DEFAULT NOW(6))',
      closeLog: flushBinlog,
      gapMs: 1_600,
      prefix: 'pitr',
    });

    // outside the window: refused, naming it; no server is left running
    const late = await h.lateRefusal(file, wal, info);
    expect(late.latest.getTime()).toBeGreaterThanOrEqual(
      Math.floor(marks[2].getTime() / 1000) * 1000,
    );
    const refused = (targetTime: Date) =>
      h.refused(file, wal, { targetTime, backupStoppedAt: info.stoppedAt });
    const early = await refused(new Date(info.startedAt.getTime() - 60_000));
    expect(early).toBeInstanceOf(RecoveryWindowFault);
    expect(early.earliest).toEqual(info.stoppedAt);
  });

  it('a server killed in the middle of a backup errors the stream; the next backup succeeds', async () => {
    const source = await deployed();
    await sql(
      source,
      'CREATE TABLE big AS SELECT seq AS i, REPEAT(MD5(seq), 8) AS pad FROM seq_1_to_50000',
    );
    await h.killMidBackup(
      source,
      path.join(String(source.host.data.dir), 'mariadb.pid'),
    );
    const file = path.join(h.dataDir, 'after-kill.xb');
    const info = await backupTo(source, file);
    expect(info.stoppedAt).toBeInstanceOf(Date);
    // its binary log file not shipped yet: the backup alone restores
    const { copy } = await h.restoreDeployed(
      file,
      path.join(h.dataDir, 'nothing-shipped'),
      { backupStoppedAt: info.stoppedAt },
    );
    expect(await sql(copy, 'SELECT COUNT(*) AS n FROM big')).toEqual([
      { n: 50000 },
    ]);
  });

  it('keeps a binary log on every server; finished files are spooled until shipped', async () => {
    const instance = await deployed();
    const [settings] = await sql<Record<string, string>>(
      instance,
      'SELECT @@log_bin AS log_bin, @@binlog_format AS format, @@server_id AS id, @@log_bin_basename AS base',
      'admin',
    );
    expect(settings).toEqual({
      log_bin: 1,
      format: 'ROW',
      id: 1,
      base: path.join(String(instance.host.data.dir), 'binlog', 'mariadb-bin'),
    });
    expect(await h.backups.archivedWal(instance.host, instance.spec)).toEqual(
      [],
    );
    await flushBinlog(instance);
    const [file] = await h.backups.archivedWal(instance.host, instance.spec);
    expect(file.name).toBe('mariadb-bin.000001');
    const chunks: Buffer[] = [];
    for await (const chunk of await file.open()) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).length).toBe(file.size);
    expect(Buffer.concat(chunks).subarray(0, 4)).toEqual(
      Buffer.from([0xfe, 0x62, 0x69, 0x6e]),
    );
    // shipped once: never spooled again, while the server keeps its own file
    await file.remove();
    await flushBinlog(instance);
    expect(
      (await h.backups.archivedWal(instance.host, instance.spec)).map(
        f => f.name,
      ),
    ).toEqual(['mariadb-bin.000002']);
  });
});
