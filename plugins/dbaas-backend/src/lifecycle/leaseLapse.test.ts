/*
 * Bug (issue #15), found by replicas.test.ts: a replica whose event loop stalls longer
 * than its lease (measured: 7-13 s while a burst of creates signs TLS certificates with
 * node-forge, ~230 ms of synchronous work each) loses the lease without knowing it; another
 * replica takes the instance over, and the first one still starts its runtime call, so two
 * replicas deploy the same instance at once (CREATE ROLE races, colliding initdb runs) and the
 * instance fails. Two causes, each shown here:
 *  - withLease aborts the work only when a renewal answers "taken over" or fails for 80% of
 *    the lease; while renewals are stalled the work keeps a signal that says it holds the lease;
 *  - callRuntime starts the call even when the work's signal is already aborted.
 * Fixed: a worker's lease counts as lost once no renewal was confirmed for 80% of it (counted
 * from when the renewal was sent), which callRuntime asks before each call, and it starts
 * nothing on an aborted signal; and the
 * certificates are signed with Node's crypto (46 ms the longest block for 33 at once).
 */
import { mockServices } from '@backstage/backend-test-utils';
import { InstanceStore } from '../store/InstanceStore';
import { requestInstance } from '../__testUtils__/fixtures';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { callRuntime } from './runtimeCall';
import { withLease } from './workerLease';

const databases = createTestDatabases(['SQLITE_3']);

/** The event loop does nothing else for `ms` (as during a burst of synchronous signing). */
function stall(ms: number) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy
  }
}

const call = (
  work: { signal: AbortSignal; held?: () => boolean },
  started: () => void,
) =>
  callRuntime(
    {
      what: 'deploying the server',
      logger: mockServices.logger.mock(),
      signal: work.signal,
      held: work.held,
      timeoutMs: 5000,
      timeoutCode: 'TIMEOUT',
    },
    async () => started(),
  ).catch(() => {});

describe('a lease that lapses while its replica still works', () => {
  it('never starts a runtime call once the work was aborted', async () => {
    let started = false;
    await call({ signal: AbortSignal.abort() }, () => (started = true));
    expect(started).toBe(false);
  });

  it('never lets the first replica start a runtime call after another took the instance over', async () => {
    const knex = await databases.init('SQLITE_3');
    const store = await InstanceStore.create(knex);
    const { id } = await requestInstance(store);
    let startedByFirst = false;
    let takenOver = false;
    await withLease(
      {
        store,
        instanceId: id,
        replicaId: 'replica-1',
        leaseMs: 2000,
        shutdown: new AbortController().signal,
      },
      async work => {
        stall(2500);
        // replica 2's resume task finds the lease expired and claims the instance
        takenOver = Boolean(await store.work.claim(id, 'replica-2', 60_000));
        await call(work, () => (startedByFirst = true));
      },
    );
    expect(takenOver).toBe(true);
    expect(startedByFirst).toBe(false);
  });
});
