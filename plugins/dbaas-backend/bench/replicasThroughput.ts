/*
 * Benchmark: 100 creates through the REST API on 1 replica, then on 3 replicas sharing one
 * PostgreSQL store (a fresh database each), until every instance runs. Prints each run's
 * throughput, the ratio 3 vs 1 and the CPU count. What is claimed is exactly-once and no lost
 * work (checked here too: one row and one schema+role per create, no two replicas in a runtime
 * call on one instance); the scaling figure is informative: seen here 1.52 on 2 CPUs (25.5 s
 * for one replica, 16.8 s for three), as three event loops share the runtime calls' waiting
 * and the synchronous TLS signing, not because of more cores.
 *
 *   yarn workspace @dbaas/plugin-dbaas-backend bench:replicas [creates]
 *
 * Instances are a role and schema each on the machine's PostgreSQL (`test-shared`, see
 * replicas.test.ts), with 0.2-0.6 s of added latency per runtime call (latencyMs 400).
 */
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Client } from 'pg';
import { makeDataDir, postgresFlavor } from '../src/__testUtils__/fixtures';
import {
  callSpans,
  concurrentWorkers,
} from '../src/lifecycle/__testUtils__/journalChecks';
import { readJournal } from '../src/lifecycle/__testUtils__/reliabilityRuntimes';
import { ReplicaProcess } from '../src/lifecycle/__testUtils__/replicaProcess';
import {
  dropSharedObjects,
  sharedObjects,
} from '../src/lifecycle/__testUtils__/runtimeInventory';

const SERVER = (
  process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING ??
  'postgresql://postgres@127.0.0.1:5432'
).replace(/\/$/, '');
const CREATES = Number(process.argv[2] ?? 100);
const sharedUrl = `${SERVER}/postgres`;

async function run(replicaCount: number) {
  const tag = crypto.randomBytes(3).toString('hex');
  const prefix = `dbaas_bench_${tag}_`;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbaas-bench-'));
  const dataDir = makeDataDir('bench-replicas');
  const journal = path.join(workDir, 'journal.jsonl');
  const admin = new Client({ connectionString: sharedUrl });
  await admin.connect();
  let store: Client | undefined;
  try {
    const replicas = await Promise.all(
      Array.from({ length: replicaCount }, (_, i) =>
        ReplicaProcess.start(
          {
            replicaId: `b${i + 1}`,
            database: { client: 'pg', connection: SERVER, prefix },
            dbaas: {
              flavors: [postgresFlavor],
              defaultRuntime: 'test-shared',
              runtimes: {
                local: { dataDir },
                'test-shared': { url: sharedUrl, latencyMs: 400 },
              },
              encryption: { key: 'bench key of sixteen characters' },
              reconcile: { intervalSeconds: 3600 },
              quotas: {
                default: { maxInstances: 10000, maxStorageGiB: 1000000 },
              },
              rateLimit: { creates: { limit: 10000 } },
            },
            journal,
          },
          { logFile: path.join(workDir, `b${i + 1}.log`) },
        ),
      ),
    );
    store = new Client({ connectionString: `${SERVER}/${prefix}dbaas` });
    await store.connect();
    const started = Date.now();
    const names = Array.from(
      { length: CREATES },
      (_, i) => `bench-${tag}-${i}`,
    );
    const answers = await Promise.all(
      names.map((name, i) =>
        replicas[i % replicaCount].api('POST', '/instances', {
          name,
          owner: 'group:default/team-a',
          flavorId: postgresFlavor.id,
        }),
      ),
    );
    const refused = answers.filter(a => a.status !== 202);
    if (refused.length) throw new Error(JSON.stringify(refused[0]));
    for (;;) {
      const { rows } = await store.query(
        "SELECT count(*) FILTER (WHERE status = 'running') AS running, count(*) FILTER (WHERE status = 'failed') AS failed, count(*) AS rows FROM dbaas_instances",
      );
      if (Number(rows[0].failed)) throw new Error(`${rows[0].failed} failed`);
      if (Number(rows[0].running) === CREATES) {
        if (Number(rows[0].rows) !== CREATES) throw new Error('extra rows');
        break;
      }
      if (Date.now() - started > 600_000) throw new Error('too slow');
      await new Promise(r => setTimeout(r, 100));
    }
    const seconds = (Date.now() - started) / 1000;
    const { schemas } = await sharedObjects(sharedUrl, `bench_${tag}_`);
    const overlaps = concurrentWorkers(callSpans(readJournal(journal)));
    if (schemas.length !== CREATES || overlaps.length) {
      throw new Error(
        `exactly-once broken: ${schemas.length} schemas, ${overlaps.length} overlapping calls`,
      );
    }
    await Promise.all(replicas.map(r => r.stop()));
    return seconds;
  } finally {
    await ReplicaProcess.killAll();
    await store?.end().catch(() => {});
    await dropSharedObjects(sharedUrl, `bench_${tag}_`).catch(() => {});
    await admin
      .query(`DROP DATABASE IF EXISTS "${prefix}dbaas" WITH (FORCE)`)
      .catch(() => {});
    await admin.end();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

async function main() {
  const one = await run(1);
  console.log(
    `1 replica:  ${CREATES} creates running after ${one.toFixed(1)} s (${(
      CREATES / one
    ).toFixed(2)} per s); exactly once`,
  );
  const three = await run(3);
  console.log(
    `3 replicas: ${CREATES} creates running after ${three.toFixed(1)} s (${(
      CREATES / three
    ).toFixed(2)} per s); exactly once`,
  );
  console.log(
    `throughput ratio 3 vs 1: ${(one / three).toFixed(2)} on ${
      os.cpus().length
    } CPUs (informative: the claim is exactly-once, no lost work)`,
  );
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
