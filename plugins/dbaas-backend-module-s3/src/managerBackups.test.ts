/*
 * The Manager backing up into an S3-compatible store (s3rver, a real S3 HTTP server): a backup
 * and its restore through the bucket; the store gone, a backup fails with a typed fault after
 * its retries while the log waits in the spool; the store back, the next backup completes.
 */
import { mockCredentials } from '@backstage/backend-test-utils';
import { Backup, Credentials, Instance } from '@dbaas/plugin-dbaas-common';
// eslint-disable-next-line @backstage/no-mixed-plugin-imports -- the test starts the Manager with this module
import {
  startTestManager,
  TestManager,
} from '@dbaas/plugin-dbaas-backend/testUtils';
import { until } from '@dbaas/plugin-dbaas-node/testUtils';
import fs from 'fs/promises';
import os from 'os';
import path from 'path';
import { Client } from 'pg';
import S3rver from 's3rver';
import request from 'supertest';
import { dbaasModuleS3BackupStore } from './module';

jest.setTimeout(240_000);

const BUCKET = 'dbaas-backups';
const asAlice = `Bearer ${mockCredentials.user.token('user:default/alice')}`;

describe('the Manager with an S3 backup store', () => {
  let dir: string;
  let server: S3rver | undefined;
  let port = 0;
  let manager: TestManager;

  const startS3 = async () => {
    server = new S3rver({
      address: '127.0.0.1',
      port,
      silent: true,
      directory: dir,
      configureBuckets: [{ name: BUCKET, configs: [] }],
    });
    ({ port } = await server.run());
  };

  const api = (method: 'get' | 'post' | 'delete', url: string) =>
    request(manager.server)
      [method](`/api/dbaas${url}`)
      .set('Authorization', asAlice);

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dbaas-s3rver-'));
    await startS3();
    manager = await startTestManager({
      features: [dbaasModuleS3BackupStore],
      dbaas: {
        backups: {
          store: {
            type: 's3',
            bucket: BUCKET,
            prefix: 'manager',
            region: 'us-east-1',
            endpoint: `http://127.0.0.1:${port}`,
            forcePathStyle: true,
            credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
          },
        },
      },
    });
  }, 60_000);

  afterAll(async () => {
    const { body } = await api('get', '/instances?limit=500');
    for (const { id } of body.items ?? []) {
      await api('delete', `/instances/${id}?skipFinalBackup=true`);
      await until(
        `${id} to be deleted`,
        async () => (await api('get', `/instances/${id}`)).status,
        status => status === 404,
        { timeoutMs: 60_000, intervalMs: 250 },
      );
    }
    await manager?.stop();
    await server?.close();
    await fs.rm(manager.dataDir, { recursive: true, force: true });
    await fs.rm(dir, { recursive: true, force: true });
  });

  const running = async (body: object) => {
    const created = await api('post', '/instances').send({
      owner: 'team-a',
      flavorId: 'postgresql-17-small',
      ...body,
    });
    expect(created.status).toBe(202);
    const instance = await until(
      `${created.body.id} to run`,
      async () => (await api('get', `/instances/${created.body.id}`)).body,
      (i: Instance) => i.status !== 'provisioning',
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(instance).toMatchObject({ status: 'running' });
    return (await api('get', `/instances/${instance.id}/credentials`))
      .body as Credentials & { id?: string };
  };

  const sql = async (c: Credentials, text: string) => {
    const client = new Client({
      host: c.host,
      port: c.port,
      database: c.database,
      user: c.username,
      password: c.password,
      ssl: { ca: c.ca, rejectUnauthorized: true },
    });
    await client.connect();
    try {
      return (await client.query(text)).rows;
    } finally {
      await client.end();
    }
  };

  const backUp = async (id: string) => {
    const started = await api('post', `/instances/${id}/backups`);
    expect(started.status).toBe(202);
    return until(
      `backup ${started.body.id} to end`,
      async () => (await api('get', `/backups/${started.body.id}`)).body,
      (b: Backup) => b.status !== 'running',
      { timeoutMs: 90_000, intervalMs: 250 },
    );
  };

  it('backs up into the bucket and restores from it; a store outage fails a backup with a typed fault, and the next one completes', async () => {
    const { body: list } = await api('get', '/instances');
    expect(list.items).toEqual([]);
    const creds = await running({ name: 's3-source' });
    const [{ id }] = (await api('get', '/instances?name=s3-source')).body.items;
    await sql(creds, 'CREATE TABLE kept (v TEXT)');
    await sql(creds, "INSERT INTO kept VALUES ('through s3')");

    const first = await backUp(id);
    expect(first).toMatchObject({ status: 'completed', fault: null });
    const objects = await fs.readdir(path.join(dir, BUCKET, 'manager'), {
      recursive: true,
    });
    expect(objects).toContain(
      `instances/${id}/base/${first.id}.tar._S3rver_object`,
    );

    const copy = await running({
      name: 's3-copy',
      restoreFrom: { backupId: first.id },
    });
    expect(await sql(copy, 'SELECT v FROM kept')).toEqual([
      { v: 'through s3' },
    ]);

    await server!.close();
    server = undefined;
    const failed = await backUp(id);
    expect(failed).toMatchObject({
      status: 'failed',
      size: null,
      fault: { code: 'BACKUP_STORE_UNAVAILABLE' },
    });
    expect(failed.fault!.message).toContain('unreachable');

    await startS3();
    const next = await backUp(id);
    expect(next).toMatchObject({ status: 'completed', fault: null });
  });
});
