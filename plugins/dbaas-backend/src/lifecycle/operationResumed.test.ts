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
