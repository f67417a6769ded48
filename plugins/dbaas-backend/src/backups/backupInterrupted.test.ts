/*
 * A Manager replica (a process of its own) SIGKILLed in the middle of a backup: the backup
 * ends `failed` when the replica comes back, with no object left in the backup store, and the
 * next backup completes.
 */
import { Backup, Credentials, Instance } from '@dbaas/plugin-dbaas-common';
import { until } from '@dbaas/plugin-dbaas-node/testUtils';
import fs from 'fs';
import path from 'path';
import { appSql } from '../__testUtils__/appSql';
import { postgresFlavor } from '../__testUtils__/fixtures';
import { killableReplica } from '../lifecycle/__testUtils__/killableReplica';

jest.setTimeout(240_000);

const SERVER = process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;
const describeWithPostgres = SERVER ? describe : describe.skip;

describeWithPostgres('a replica killed in the middle of a backup', () => {
  const h = killableReplica({
    name: 'bkill',
    server: SERVER!,
    local: { walArchiving: true },
  });
  const { api, tag, storeDir } = h;
  afterAll(() => h.cleanUp());

  it('fails that backup, keeps nothing of it, and takes the next one', async () => {
    await h.start();
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
    await h.kill();

    await h.start();
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
