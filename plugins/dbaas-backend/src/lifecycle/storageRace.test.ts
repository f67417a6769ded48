/*
 * The storage watch and a resize at once. A measurement can take seconds (a `du` in a busy
 * container) and a resize be asked and done meanwhile: the watch must not then act on the
 * size it read before. And while the watch makes the server read-only it holds the instance's
 * lease, so a resize asked then waits and lifts it after, never before. Neither leaves the
 * resized database refusing writes. Real local PostgreSQL, real storage (fallocate); only
 * the timing is held, at the runtime's admin calls.
 */
import { Credentials } from '@dbaas/plugin-dbaas-common';
import { EngineAdmin, Runtime } from '@dbaas/plugin-dbaas-node';
import { postgresFlavor, until } from '@dbaas/plugin-dbaas-node/testUtils';
import { execFileSync } from 'child_process';
import path from 'path';
import { appSql } from '../__testUtils__/appSql';
import { testRuntimeModule } from '../__testUtils__/testRuntimeModule';
import { as, getCredentials } from '../__testUtils__/managerApi';
import { createLocalRuntime } from '../runtimes/local';
import { dayTwoManager } from './__testUtils__/dayTwoManager';
import { intervalSchedulerFactory } from './__testUtils__/intervalScheduler';

jest.setTimeout(180_000);

/** Holds the first call that passes it once armed, until released. */
function gate() {
  let armed = false;
  let entered = () => {};
  let release = () => {};
  return {
    /** Arms it: resolves once a call is held. */
    arm: () =>
      new Promise<void>(resolve => {
        armed = true;
        entered = resolve;
      }),
    release: () => release(),
    pass: async () => {
      if (!armed) return;
      armed = false;
      const released = new Promise<void>(resolve => {
        release = resolve;
      });
      entered();
      await released;
    },
  };
}

const measured = gate();
const madeReadOnly = gate();
let measurements = 0;

/** The local runtime whose storage measurement and "read-only" statement can be held. */
function gatedLocal(dataDir: string): Runtime {
  const inner = createLocalRuntime({ dataDir, host: '127.0.0.1' });
  const admin = inner.engine.admin!;
  const gated: EngineAdmin = {
    query: async (host, spec, secrets, sql, options) => {
      if (/default_transaction_read_only = on/.test(sql)) {
        await madeReadOnly.pass();
      }
      return admin.query(host, spec, secrets, sql, options);
    },
    usedBytes: async (host, spec) => {
      const bytes = await admin.usedBytes(host, spec);
      measurements++;
      await measured.pass();
      return bytes;
    },
  };
  const engine = Object.assign(Object.create(inner.engine), { admin: gated });
  return { ...inner, name: 'gated-local', engine };
}

describe('the storage watch and a resize at once', () => {
  const h = dayTwoManager('storage-race', 'local', postgresFlavor, {
    features: [
      // the reconcile measures storage every second
      intervalSchedulerFactory(0.2),
      testRuntimeModule('gated-local', () => gatedLocal(h.dataDir)),
    ],
    dbaas: {
      reconcile: { intervalSeconds: 5 },
      defaultRuntime: 'gated-local',
      runtimes: { 'gated-local': { enabled: true } },
    },
  });
  const { api } = h;
  beforeAll(() => h.start());
  afterAll(() => h.stop());

  const fill = (id: string, mib: number) =>
    execFileSync('fallocate', [
      '-l',
      `${mib}M`,
      path.join(h.dataDir, id, `filler-${Date.now()}`),
    ]);
  const readOnlyAt = (id: string, storageGiB: number) =>
    h.until(
      id,
      `read-only at ${storageGiB} GiB`,
      i => i.storageGiB === storageGiB && i.storage?.readOnly === true,
    );
  const resized = async (id: string, storageGiB: number) => {
    const asked = await api('patch', `/instances/${id}`).send({ storageGiB });
    expect(asked.status).toBe(200);
    return h.until(
      id,
      `the resize to ${storageGiB} GiB to end`,
      i => i.storageGiB === storageGiB && !i.operation,
    );
  };
  /** Once the watch has measured twice more: what it was doing when released is done. */
  const watchPassedTwice = async () => {
    const from = measurements;
    await until(
      'two more storage measurements',
      async () => measurements,
      n => n >= from + 2,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  };

  it('leaves the resized database taking writes, whichever comes first', async () => {
    const created = await api('post', '/instances').send({
      name: 'storage-race',
      owner: 'team-a',
      flavorId: postgresFlavor.id,
      storageGiB: 1,
    });
    expect(created.status).toBe(202);
    const id = created.body.id;
    await h.until(
      id,
      'a storage measurement',
      i => i.status === 'running' && i.storage?.usedBytes !== null,
    );
    await appSqlAsAlice(id, 'CREATE TABLE kept (v TEXT)');

    // 1. a resize asked and done while the watch measures, against the size it read before
    fill(id, 1100);
    await readOnlyAt(id, 1);
    await expect(
      appSqlAsAlice(id, "INSERT INTO kept VALUES ('refused')"),
    ).rejects.toThrow(/read-only/);
    const held = measured.arm();
    await held;
    const grown = await resized(id, 2);
    expect(grown.storage).toMatchObject({ readOnly: false });
    measured.release();
    await watchPassedTwice();
    await appSqlAsAlice(id, "INSERT INTO kept VALUES ('after the first')");

    // 2. a resize asked while the watch is making the server read-only again (set on every
    // check while full) waits for it, then lifts it
    fill(id, 1100);
    await readOnlyAt(id, 2);
    const arriving = madeReadOnly.arm();
    await arriving;
    const asked = await api('patch', `/instances/${id}`).send({
      storageGiB: 3,
    });
    expect(asked.status).toBe(200);
    await new Promise(resolve => setTimeout(resolve, 2000));
    expect((await api('get', `/instances/${id}`)).body).toMatchObject({
      storageGiB: 2,
      operation: { type: 'resize-storage', storageGiB: 3 },
    });
    madeReadOnly.release();
    await h.until(
      id,
      'the resize to 3 GiB to end',
      i => i.storageGiB === 3 && !i.operation,
    );
    await appSqlAsAlice(id, "INSERT INTO kept VALUES ('after the second')");
    expect(await appSqlAsAlice(id, 'SELECT v FROM kept ORDER BY v')).toEqual([
      { v: 'after the first' },
      { v: 'after the second' },
    ]);
    expect((await api('get', `/instances/${id}`)).body.storage).toMatchObject({
      readOnly: false,
    });
  });

  async function appSqlAsAlice(id: string, sql: string) {
    const creds: Credentials = (
      await getCredentials(h.manager.server, as('alice'), id)
    ).body;
    return appSql('postgresql', creds, sql);
  }
});
