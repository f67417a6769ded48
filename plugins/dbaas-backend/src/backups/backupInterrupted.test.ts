/*
 * A Manager replica (a process of its own) SIGKILLed in the middle of a backup: the backup
 * ends `failed` when the replica comes back, with no object left in the backup store, and the
 * next backup completes.
 */
import { Backup, Credentials, Instance } from '@dbaas/plugin-dbaas-common';
import { until } from '@dbaas/plugin-dbaas-node/testUtils';
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Client } from 'pg';
import { appSql } from '../__testUtils__/appSql';
import { makeDataDir, postgresFlavor } from '../__testUtils__/fixtures';
import {
  AS_ALICE,
  ReplicaProcess,
} from '../lifecycle/__testUtils__/replicaProcess';
import { stopLocalServers } from '../lifecycle/__testUtils__/runtimeInventory';

jest.setTimeout(240_000);

const SERVER = process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;
const describeWithPostgres = SERVER ? describe : describe.skip;

describeWithPostgres('a replica killed in the middle of a backup', () => {
  const tag = crypto.randomBytes(3).toString('hex');
  const prefix = `dbaas_bkill_${tag}_`;
  const storeDb = `${prefix}dbaas`;
  const adminUrl = `${SERVER!.replace(/\/$/, '')}/postgres`;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbaas-bkill-'));
  const dataDir = makeDataDir('backup-kill');
  const storeDir = path.join(workDir, 'store');
  let replica: ReplicaProcess | undefined;

  const start = () =>
    ReplicaProcess.start(
      {
        replicaId: 'backup-a',
        database: { client: 'pg', connection: SERVER, prefix },
        dbaas: {
          flavors: [postgresFlavor],
          defaultRuntime: 'local',
          runtimes: { local: { dataDir, walArchiving: true } },
          backups: { store: { type: 'filesystem', directory: storeDir } },
          encryption: { key: 'backup kill test key of sixteen or more' },
        },
      },
      { logFile: path.join(workDir, 'replica.log') },
    );

  const api = async (method: string, url: string, body?: object) => {
    const res = await fetch(`${replica!.url}${url}`, {
      method,
      headers: {
        Authorization: AS_ALICE,
        ...(body ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  };

  afterAll(async () => {
    await ReplicaProcess.killAll();
    await stopLocalServers(dataDir);
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin
      .query(`DROP DATABASE IF EXISTS "${storeDb}" WITH (FORCE)`)
      .catch(() => {});
    await admin.end();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('fails that backup, keeps nothing of it, and takes the next one', async () => {
    replica = await start();
    const created = await api('POST', '/instances', {
      name: `bkill-${tag}`,
      owner: 'team-a',
      flavorId: postgresFlavor.id,
    });
    expect(created.status).toBe(202);
    const id = created.body.id;
    await until(
      'the instance to run',
      async () => (await api('GET', `/instances/${id}`)).body as Instance,
      i => i.status !== 'provisioning',
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    const creds = (await api('GET', `/instances/${id}/credentials`))
      .body as Credentials;
    // about 100 MB: a backup that takes a while
    await appSql(
      'postgresql',
      creds,
      'CREATE TABLE big AS SELECT g AS id, repeat(md5(g::text), 20) AS note FROM generate_series(1, 150000) g',
    );

    const started = await api('POST', `/instances/${id}/backups`);
    expect(started).toMatchObject({ status: 202, body: { status: 'running' } });
    replica.child.kill('SIGKILL');
    await ReplicaProcess.killAll();

    replica = await start();
    const interrupted = (await api('GET', `/backups/${started.body.id}`))
      .body as Backup;
    expect(interrupted).toMatchObject({
      status: 'failed',
      size: null,
      fault: { code: 'BACKUP_INTERRUPTED' },
    });
    const kept = path.join(storeDir, 'instances', id, 'base');
    expect(fs.existsSync(kept) ? fs.readdirSync(kept) : []).toEqual([]);

    const next = await api('POST', `/instances/${id}/backups`);
    expect(next.status).toBe(202);
    const done = await until(
      'the next backup to end',
      async () => (await api('GET', `/backups/${next.body.id}`)).body as Backup,
      b => b.status !== 'running',
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    expect(done).toMatchObject({ status: 'completed', fault: null });
    expect(done.size).toBeGreaterThan(100 * 1024 * 1024);
    expect(fs.readdirSync(kept)).toEqual([
      `${done.id}.tar`,
      `${done.id}.tar.dbaas-meta.json`,
    ]);

    expect((await api('DELETE', `/instances/${id}`)).status).toBe(202);
    await until(
      'the instance to be deleted',
      async () => (await api('GET', `/instances/${id}`)).status,
      status => status === 404,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  });
});
