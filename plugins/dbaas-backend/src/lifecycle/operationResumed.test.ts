/*
 * A Manager replica (a process of its own) SIGKILLed right after it accepted a stop, then a
 * start: each operation is done once the replica comes back, exactly once.
 */
import {
  Credentials,
  Instance,
  InstanceEvent,
} from '@dbaas/plugin-dbaas-common';
import { until } from '@dbaas/plugin-dbaas-node/testUtils';
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Client } from 'pg';
import { appSql } from '../__testUtils__/appSql';
import { makeDataDir, postgresFlavor } from '../__testUtils__/fixtures';
import { AS_ALICE, ReplicaProcess } from './__testUtils__/replicaProcess';
import { stopLocalServers } from './__testUtils__/runtimeInventory';

jest.setTimeout(240_000);

const SERVER = process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;
const describeWithPostgres = SERVER ? describe : describe.skip;

describeWithPostgres(
  'a replica killed right after it accepted an operation',
  () => {
    const tag = crypto.randomBytes(3).toString('hex');
    const prefix = `dbaas_opkill_${tag}_`;
    const storeDb = `${prefix}dbaas`;
    const adminUrl = `${SERVER!.replace(/\/$/, '')}/postgres`;
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbaas-opkill-'));
    const dataDir = makeDataDir('operation-kill');
    const storeDir = path.join(workDir, 'store');
    let replica: ReplicaProcess | undefined;

    const start = () =>
      ReplicaProcess.start(
        {
          replicaId: 'operations-a',
          database: { client: 'pg', connection: SERVER, prefix },
          dbaas: {
            flavors: [postgresFlavor],
            defaultRuntime: 'local',
            runtimes: { local: { dataDir } },
            backups: { store: { type: 'filesystem', directory: storeDir } },
            encryption: { key: 'operation kill test key of sixteen or more' },
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

    it('finishes the stop and the start it accepted before it was killed, once each', async () => {
      replica = await start();
      const created = await api('POST', '/instances', {
        name: `opkill-${tag}`,
        owner: 'team-a',
        flavorId: postgresFlavor.id,
      });
      expect(created.status).toBe(202);
      const id = created.body.id;
      const settled = () =>
        until(
          'the instance to settle',
          async () => (await api('GET', `/instances/${id}`)).body as Instance,
          i => i.status !== 'provisioning' && !i.operation,
          { timeoutMs: 120_000, intervalMs: 200 },
        );
      await settled();
      const creds = (await api('GET', `/instances/${id}/credentials`))
        .body as Credentials;
      await appSql('postgresql', creds, 'CREATE TABLE kept (v TEXT)');
      await appSql('postgresql', creds, "INSERT INTO kept VALUES ('kept')");

      for (const [operation, status] of [
        ['stop', 'stopped'],
        ['start', 'running'],
      ] as const) {
        const accepted = await api('POST', `/instances/${id}/${operation}`);
        expect(accepted.status).toBe(202);
        replica.child.kill('SIGKILL');
        await ReplicaProcess.killAll();
        replica = await start();
        expect(await settled()).toMatchObject({ status, operation: null });
      }
      const fresh = (await api('GET', `/instances/${id}/credentials`))
        .body as Credentials;
      expect(await appSql('postgresql', fresh, 'SELECT v FROM kept')).toEqual([
        { v: 'kept' },
      ]);
      const events = (await api('GET', `/instances/${id}/events`)).body
        .items as InstanceEvent[];
      expect(
        events
          .filter(e => e.type === 'status' && e.data?.operation)
          .map(e => e.message),
      ).toEqual([
        'stopped: stopped as user:default/alice asked',
        'running: started as user:default/alice asked',
      ]);

      expect(
        (await api('DELETE', `/instances/${id}?skipFinalBackup=true`)).status,
      ).toBe(202);
      await until(
        'the instance to be deleted',
        async () => (await api('GET', `/instances/${id}`)).status,
        status => status === 404,
        { timeoutMs: 60_000, intervalMs: 200 },
      );
    });
  },
);
