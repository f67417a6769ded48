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
import { appSql } from '../__testUtils__/appSql';
import { postgresFlavor } from '../__testUtils__/fixtures';
import { killableReplica } from './__testUtils__/killableReplica';

jest.setTimeout(240_000);

const SERVER = process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;
const describeWithPostgres = SERVER ? describe : describe.skip;

describeWithPostgres(
  'a replica killed right after it accepted an operation',
  () => {
    const h = killableReplica({ name: 'opkill', server: SERVER! });
    const { api, tag } = h;
    afterAll(() => h.cleanUp());

    it('finishes the stop and the start it accepted before it was killed, once each', async () => {
      await h.start();
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
        await h.kill();
        await h.start();
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

const larger = { ...postgresFlavor, id: 'pg17-larger', memoryMiB: 512 };

describeWithPostgres(
  'a replica killed right after it accepted a resize, a user, a database, parameters or a flavor',
  () => {
    const h = killableReplica({
      name: 'opkill2',
      server: SERVER!,
      flavors: [postgresFlavor, larger],
    });
    const { api, tag } = h;
    afterAll(() => h.cleanUp());

    it('finishes each once it is back, exactly once', async () => {
      await h.start();
      const created = await api('POST', '/instances', {
        name: `opkill2-${tag}`,
        owner: 'team-a',
        flavorId: postgresFlavor.id,
      });
      const id = created.body.id;
      const settled = () =>
        until(
          'the instance to settle',
          async () => (await api('GET', `/instances/${id}`)).body as Instance,
          i => i.status === 'running' && !i.operation,
          { timeoutMs: 120_000, intervalMs: 200 },
        );
      await settled();
      const creds = async () =>
        (await api('GET', `/instances/${id}/credentials`)).body as Credentials;
      await appSql('postgresql', await creds(), 'CREATE TABLE kept (v TEXT)');
      await appSql(
        'postgresql',
        await creds(),
        "INSERT INTO kept VALUES ('kept')",
      );

      const steps: Array<[string, string, object, string]> = [
        [
          'PATCH',
          `/instances/${id}`,
          { storageGiB: 2 },
          'storage grown from 1 to 2 GiB',
        ],
        [
          'POST',
          `/instances/${id}/databases`,
          { name: 'extra' },
          'database extra made',
        ],
        [
          'POST',
          `/instances/${id}/users`,
          { name: 'reader', role: 'readonly' },
          'user reader (readonly',
        ],
        [
          'PATCH',
          `/instances/${id}`,
          { parameters: { max_connections: 40 } },
          'server parameters set',
        ],
        [
          'PATCH',
          `/instances/${id}`,
          { flavorId: larger.id },
          `flavor changed from ${postgresFlavor.id} to ${larger.id}`,
        ],
      ];
      for (const [method, url, body] of steps) {
        const accepted = await api(method, url, body);
        expect([200, 202]).toContain(accepted.status);
        await h.kill();
        await h.start();
        await settled();
      }

      const instance = await settled();
      expect(instance).toMatchObject({
        storageGiB: 2,
        flavorId: larger.id,
        parameters: { max_connections: 40 },
      });
      const reader = (
        await api('GET', `/instances/${id}/users/reader/credentials`)
      ).body as Credentials;
      expect(await appSql('postgresql', reader, 'SELECT v FROM kept')).toEqual([
        { v: 'kept' },
      ]);
      const [{ max_connections }] = await appSql(
        'postgresql',
        await creds(),
        'SHOW max_connections',
      );
      expect(max_connections).toBe('40');
      const databases = (await api('GET', `/instances/${id}/databases`)).body
        .items;
      expect(databases.map((d: { name: string }) => d.name)).toContain('extra');
      const events = (await api('GET', `/instances/${id}/events`)).body
        .items as InstanceEvent[];
      expect(events.filter(e => e.type === 'fault')).toEqual([]);
      const messages = events.map(e => e.message);
      for (const [, , , done] of steps) {
        expect(messages.filter(m => m.includes(done))).toHaveLength(1);
      }
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
