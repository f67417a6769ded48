import { Backup, Credentials, Engine } from '@dbaas/plugin-dbaas-common';
import { until } from '@dbaas/plugin-dbaas-node/testUtils';
import crypto from 'crypto';
import request from 'supertest';
import { appSql } from './appSql';
import {
  as,
  getCredentials,
  postInstance,
  Server,
  waitForInstance,
} from './managerApi';

const asAlice = as('alice');

/** Every row of `events` in order, and an md5 over them: what a restore must give back. */
export async function snapshot(engine: Engine, c: Credentials) {
  const rows = await appSql(
    engine,
    c,
    'SELECT id, note FROM events ORDER BY id',
  );
  const text = rows.map(r => `${r.id}:${r.note}`).join('\n');
  return {
    ids: rows.map(r => Number(r.id)),
    md5: crypto.createHash('md5').update(text).digest('hex'),
  };
}

/** POST /instances as alice for team-a with `body`, until running: its id and credentials. */
export async function runningInstance(server: Server, body: object) {
  const res = await postInstance(server, asAlice, { owner: 'team-a', ...body });
  expect(res.status).toBe(202);
  const instance = await waitForInstance(
    server,
    asAlice,
    res.body.id,
    'running or failed',
    i => ['running', 'failed'].includes(i?.status ?? ''),
    { timeoutMs: 120_000 },
  );
  expect(instance).toMatchObject({ status: 'running', fault: null });
  const creds = (await getCredentials(server, asAlice, res.body.id)).body;
  return { id: res.body.id as string, creds: creds as Credentials };
}

/** A manual backup as alice, until it has ended (completed or failed). */
export async function backUp(server: Server, id: string): Promise<Backup> {
  const res = await request(server)
    .post(`/api/dbaas/instances/${id}/backups`)
    .set('Authorization', asAlice);
  expect(res.status).toBe(202);
  expect(res.body).toMatchObject({ status: 'running', trigger: 'manual' });
  return until(
    `backup ${res.body.id} to end`,
    async () =>
      (
        await request(server)
          .get(`/api/dbaas/backups/${res.body.id}`)
          .set('Authorization', asAlice)
      ).body as Backup,
    b => b.status !== 'running',
    { timeoutMs: 120_000, intervalMs: 200 },
  );
}
