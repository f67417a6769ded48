/*
 * Several replicas on one store: three Manager backends, each a real process
 * (__testUtils__/replicaBackend.ts: the dbaas plugin with its routes, lifecycle and scheduled
 * tasks, on its own port, dbaas.replicaId r1, r2, r3), share one PostgreSQL store (a fresh
 * database per run). 100 creates are sent at once through POST /api/dbaas/instances, spread
 * over the three; r3 is SIGKILLed while it still works on some of them. The test shows each
 * instance provisioned exactly once — one row per request, one server per instance, no two
 * replicas ever in a runtime call on the same instance (from the runtimes' own journal), nothing
 * made that no instance owns — all of them running, then all deleted with nothing left.
 *
 * Runtimes: 100 local PostgreSQL servers (about 5 s and 40 MB of disk each, measured) are too
 * heavy for this 2-core machine, so 94 instances are a real role and schema each on the
 * machine's PostgreSQL 15 (`test-shared`, like the shared-postgres example module; schemas, as
 * 100 CREATE/DROP DATABASE take minutes here) and 6 are real local PostgreSQL servers
 * (`test-local`: processes and data directories, read from `ps` and the disk).
 * Each runtime call takes 0.2-0.6 s more than it would (latencyMs), so the kill lands mid-way.
 */
import { until } from '@dbaas/plugin-dbaas-node/testUtils';
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Client } from 'pg';
import { makeDataDir, postgresFlavor } from '../__testUtils__/fixtures';
import {
  callSpans,
  concurrentWorkers,
  repeatedWithoutCrash,
} from './__testUtils__/journalChecks';
import { LeaseWatch } from './__testUtils__/leaseWatch';
import { readJournal } from './__testUtils__/reliabilityRuntimes';
import { ReplicaProcess } from './__testUtils__/replicaProcess';
import {
  dropSharedObjects,
  localDirs,
  localServers,
  sharedObjects,
  stopLocalServers,
} from './__testUtils__/runtimeInventory';

jest.setTimeout(240_000);

const SERVER = process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;
const CREATES = 100;
const LOCAL = 6;
const REPLICAS = ['r1', 'r2', 'r3'];
const VICTIM = 'r3';

const describeWithPostgres = SERVER ? describe : describe.skip;

/** Rows counted by status, phase and lease owner. */
function summary(value: unknown) {
  if (!Array.isArray(value)) return JSON.stringify(value);
  const counts = new Map<string, number>();
  for (const r of value) {
    const key = `${r.status}/${r.phase ?? '-'}/${r.lease_owner ?? '-'}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k}: ${n}`).join(', ');
}

describeWithPostgres('three replicas on one store', () => {
  const tag = crypto.randomBytes(3).toString('hex');
  const prefix = `dbaas_replicas_${tag}_`;
  const storeDb = `${prefix}dbaas`;
  const namePrefix = `rep-${tag}-`;
  const objectPrefix = `rep_${tag}_`;
  const sharedUrl = `${SERVER!.replace(/\/$/, '')}/postgres`;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbaas-replicas-'));
  const dataDir = makeDataDir('replicas');
  const journal = path.join(workDir, 'journal.jsonl');
  let admin: Client;
  let store: Client | undefined;
  let passed = false;

  beforeAll(async () => {
    admin = new Client({ connectionString: sharedUrl });
    await admin.connect();
  });

  afterAll(async () => {
    await ReplicaProcess.killAll();
    await store?.end().catch(() => {});
    await stopLocalServers(dataDir);
    await dropSharedObjects(sharedUrl, objectPrefix).catch(() => {});
    await admin
      .query(`DROP DATABASE IF EXISTS "${storeDb}" WITH (FORCE)`)
      .catch(() => {});
    await admin.end();
    fs.rmSync(dataDir, { recursive: true, force: true });
    // the replicas' logs and the journal stay for a failed run
    if (passed) fs.rmSync(workDir, { recursive: true, force: true });
  });

  const startReplica = (replicaId: string) =>
    ReplicaProcess.start(
      {
        replicaId,
        database: { client: 'pg', connection: SERVER, prefix },
        dbaas: {
          flavors: [postgresFlavor],
          defaultRuntime: 'test-shared',
          runtimes: {
            local: { dataDir },
            'test-shared': { url: sharedUrl, latencyMs: 400 },
            'test-local': { dataDir, latencyMs: 400 },
          },
          encryption: { key: 'replicas test key of sixteen or more' },
          provisioning: { leaseSeconds: 10, timeoutSeconds: 240 },
          reconcile: { intervalSeconds: 3600 },
          quotas: { default: { maxInstances: 1000, maxStorageGiB: 100000 } },
          rateLimit: { creates: { limit: 1000 } },
        },
        // resume-pending every 2 s instead of 10
        schedulerScale: 0.2,
        journal,
      },
      { logFile: path.join(workDir, `${replicaId}.log`) },
    );

  const rows = async () =>
    (
      await store!.query(
        'SELECT id, name, status, phase, runtime, lease_owner, fault, cleanup_pending FROM dbaas_instances',
      )
    ).rows;

  /** Reads the store's rows until `done` holds for them. */
  const untilRows = (
    what: string,
    done: (list: Awaited<ReturnType<typeof rows>>) => boolean,
    timeoutMs: number,
  ) =>
    until(what, rows, done, {
      timeoutMs,
      show: list => `${summary(list)} (logs in ${workDir})`,
    });

  it('provisions each of 100 concurrent creates exactly once though one replica is killed mid-way, then deletes them all leaving nothing', async () => {
    const started = Date.now();
    // the first one alone creates the store's tables (two fresh replicas would race to make
    // knex's migration lock table), then the others join it
    const first = await startReplica(REPLICAS[0]);
    const replicas = [
      first,
      ...(await Promise.all(REPLICAS.slice(1).map(startReplica))),
    ];
    const byId = Object.fromEntries(
      replicas.map(r => [r.settings.replicaId, r]),
    );
    store = new Client({
      connectionString: `${SERVER!.replace(/\/$/, '')}/${storeDb}`,
    });
    await store.connect();
    const killed: string[] = [];
    const watch = new LeaseWatch(store, () => killed).start();

    // 100 creates at once, spread over the three replicas
    const names = Array.from(
      { length: CREATES },
      (_, i) => `${namePrefix}${i}`,
    );
    const created = await Promise.all(
      names.map((name, i) =>
        replicas[i % 3].api('POST', '/instances', {
          name,
          owner: 'group:default/team-a',
          flavorId: postgresFlavor.id,
          runtime: i < LOCAL ? 'test-local' : 'test-shared',
        }),
      ),
    );
    expect(created.map(c => c.status)).toEqual(names.map(() => 202));
    const ids = created.map(c => c.body.id as string);
    expect(new Set(ids).size).toBe(CREATES);

    // r3 dies while it still holds work: some done, some under its lease
    const atKill = await untilRows(
      `${VICTIM} to be mid-way`,
      list => {
        // leases carry each replica's configured name (dbaas.replicaId)
        const strangers = list.filter(
          // (the storage watch's as `<replica>:storage-watch`)
          r => r.lease_owner && !REPLICAS.includes(r.lease_owner.split(':')[0]),
        );
        if (strangers.length) {
          throw new Error(
            `leases held under names that are not dbaas.replicaId: ${strangers[0].lease_owner}`,
          );
        }
        return (
          list.filter(r => r.status === 'running').length >= 10 &&
          list.some(
            r => r.status === 'provisioning' && r.lease_owner === VICTIM,
          )
        );
      },
      60_000,
    );
    killed.push(VICTIM);
    await byId[VICTIM].kill();
    const killedAt = Date.now();
    const orphaned = atKill.filter(
      r => r.status === 'provisioning' && r.lease_owner === VICTIM,
    ).length;

    // r1 and r2 take its work over once its leases expire
    const settled = await untilRows(
      'every instance to settle',
      list =>
        list.length === CREATES && list.every(r => r.status !== 'provisioning'),
      120_000,
    );
    const provisionedMs = Date.now() - started;
    watch.stop();
    const notRunning = settled.filter(r => r.status !== 'running');
    if (notRunning.length || watch.handovers.length) {
      throw new Error(
        `${notRunning.length} not running (e.g. ${JSON.stringify(
          notRunning[0],
        )}); ${watch.summary()}; logs in ${workDir}`,
      );
    }
    // one row per request, under its own name
    expect(settled.map(r => r.name).sort()).toEqual([...names].sort());

    // the runtimes hold exactly one server per instance, and nothing else
    const shared = await sharedObjects(sharedUrl, objectPrefix);
    const sharedNames = names.slice(LOCAL).map(n => n.replace(/-/g, '_'));
    expect(shared.schemas).toEqual([...sharedNames].sort());
    expect(shared.roles).toEqual(sharedNames.map(n => `${n}_app`).sort());
    const localIds = ids.slice(0, LOCAL).sort();
    expect(localDirs(dataDir).sort()).toEqual(localIds);
    expect(
      localServers(dataDir)
        .map(s => s.id)
        .sort(),
    ).toEqual(localIds);

    // no two replicas ever worked on one instance at once; no step was repeated but after the kill
    const spans = callSpans(readJournal(journal), { [VICTIM]: killedAt });
    expect(concurrentWorkers(spans)).toEqual([]);
    expect(repeatedWithoutCrash(spans, 'provision', [VICTIM])).toEqual([]);
    expect(repeatedWithoutCrash(spans, 'deploy', [VICTIM])).toEqual([]);
    const takenOver = [...spans.values()].filter(
      list =>
        list.some(s => s.replica === VICTIM) &&
        list.some(s => s.replica !== VICTIM),
    ).length;

    // every one deleted through the replicas that live
    const survivors = replicas.filter(r => r.settings.replicaId !== VICTIM);
    const deletes = await Promise.all(
      ids.map((id, i) => survivors[i % 2].api('DELETE', `/instances/${id}`)),
    );
    expect(deletes.map(d => d.status)).toEqual(ids.map(() => 202));
    await untilRows(
      'every instance to be deleted',
      list => list.every(r => r.status === 'deleted'),
      120_000,
    );
    expect(await sharedObjects(sharedUrl, objectPrefix)).toEqual({
      schemas: [],
      roles: [],
    });
    expect(localServers(dataDir)).toEqual([]);
    expect(localDirs(dataDir)).toEqual([]);
    const all = callSpans(readJournal(journal), { [VICTIM]: killedAt });
    expect(concurrentWorkers(all)).toEqual([]);
    const retried = readJournal(journal).filter(e => e.ev === 'fail').length;

    passed = true;
    process.stdout.write(
      `replicas: ${CREATES} creates on ${REPLICAS.length} replicas (${
        os.cpus().length
      } CPUs), ${VICTIM} killed holding ${orphaned} provisioning; ${takenOver} taken over; all running after ${(
        provisionedMs / 1000
      ).toFixed(1)} s, all deleted after ${(
        (Date.now() - started) /
        1000
      ).toFixed(
        1,
      )} s; ${retried} runtime calls failed and were retried; 0 duplicates, 0 orphans\n`,
    );
  });
});
