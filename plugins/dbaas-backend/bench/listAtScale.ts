/*
 * Benchmark: `GET /instances` with 10,000 instances in the store (PostgreSQL, as in
 * production), as a user under the portal's owner rule (a conditional permission decision)
 * and as an administrator (an unconditional one), with each filter, a search and deep pages. Prints p50/p95 per request kind against the
 * goal (p95 under 50 ms).
 *
 *   yarn workspace @dbaas/plugin-dbaas-backend bench:list [instances] [requests]
 *
 * The rows are written straight into the Manager's table (the same rows a create writes); no
 * server runs for them, and nothing is left behind: the store's database is dropped at the end.
 */
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import crypto from 'crypto';
import fs from 'fs';
import { Client } from 'pg';
import {
  makeDataDir,
  TEST_ENCRYPTION_KEY,
} from '../src/__testUtils__/fixtures';
import { as } from '../src/__testUtils__/managerApi';
import { ownerRulePermissionsFactory } from '../src/__testUtils__/ownerPolicy';
import { dbaasPlugin } from '../src/plugin';
import { testCatalogFactory } from '../src/testUtils';
import { percentile, printTable } from './report';
import { PG_SERVER as SERVER, seedInstances } from './seedInstances';

const INSTANCES = Number(process.argv[2] ?? 10_000);
const REQUESTS = Number(process.argv[3] ?? 200);
const GOAL_P95_MS = 50;

const OWNERS = [
  'group:default/team-a',
  'user:default/alice',
  'group:default/team-b',
  ...Array.from({ length: 47 }, (_, i) => `group:default/team-${i + 3}`),
];

async function time(url: string, auth: string) {
  const timings: number[] = [];
  let total = 0;
  for (let i = 0; i < REQUESTS; i++) {
    const started = process.hrtime.bigint();
    const response = await fetch(url, { headers: { authorization: auth } });
    const body = (await response.json()) as { totalCount: number };
    timings.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (response.status !== 200) {
      throw new Error(`${url}: ${response.status} ${JSON.stringify(body)}`);
    }
    total = body.totalCount;
  }
  return { timings, total };
}

async function main() {
  const tag = crypto.randomBytes(3).toString('hex');
  const prefix = `dbaas_bench_list_${tag}_`;
  const dataDir = makeDataDir('bench-list');
  const admin = new Client({ connectionString: `${SERVER}/postgres` });
  await admin.connect();
  let backend: Awaited<ReturnType<typeof startTestBackend>> | undefined;
  try {
    backend = await startTestBackend({
      features: [
        dbaasPlugin,
        testCatalogFactory(),
        ownerRulePermissionsFactory,
        mockServices.rootLogger.factory({ level: 'warn' }),
        mockServices.rootConfig.factory({
          data: {
            backend: {
              database: { client: 'pg', connection: SERVER, prefix },
            },
            dbaas: {
              flavors: [],
              encryption: { key: TEST_ENCRYPTION_KEY },
              runtimes: { local: { dataDir } },
              reconcile: { intervalSeconds: 3600 },
            },
          },
        }),
      ],
    });
    await seedInstances(`${SERVER}/${prefix}dbaas`, INSTANCES, i => ({
      owner: OWNERS[i % OWNERS.length],
      status: i % 10 === 0 ? 'stopped' : 'running',
    }));
    const base = `http://127.0.0.1:${backend.server.port()}/api/dbaas/instances`;
    const kinds: Array<[string, string, string]> = [
      ['first page (alice: her own and team-a)', '?limit=20', 'alice'],
      ['first page (bob: team-b)', '?limit=20', 'bob'],
      ['first page (admin: everything)', '?limit=20', 'admin'],
      ['deep page (admin, offset 9000)', '?limit=20&offset=9000', 'admin'],
      ['search=db-01 (admin)', '?search=db-01&limit=20', 'admin'],
      ['engine=mariadb', '?engine=mariadb&limit=20', 'alice'],
      ['status=stopped', '?status=stopped&limit=20', 'alice'],
      [
        'owner=group:default/team-a',
        `?owner=${encodeURIComponent('group:default/team-a')}&limit=20`,
        'alice',
      ],
      ['search=db-01', '?search=db-01&limit=20', 'alice'],
      ['search (no match)', '?search=nothing-like-this&limit=20', 'alice'],
      ['deep page (offset 300)', '?limit=20&offset=300', 'alice'],
    ];
    const rows: string[][] = [];
    let worst = 0;
    for (const [label, query, user] of kinds) {
      const { timings, total } = await time(`${base}${query}`, as(user));
      const p95 = percentile(timings, 95);
      worst = Math.max(worst, p95);
      rows.push([
        label,
        String(total),
        percentile(timings, 50).toFixed(1),
        p95.toFixed(1),
      ]);
    }
    console.log(
      `GET /instances with ${INSTANCES} instances in PostgreSQL, ${REQUESTS} requests each (owner rule: conditional decisions)`,
    );
    printTable(['request', 'matches', 'p50 ms', 'p95 ms'], rows);
    console.log(
      `worst p95: ${worst.toFixed(1)} ms; goal: under ${GOAL_P95_MS} ms (${
        worst < GOAL_P95_MS ? 'met' : 'NOT met'
      }); ${require('os').cpus().length} CPUs`,
    );
  } finally {
    await backend?.stop();
    await admin.query(`DROP DATABASE IF EXISTS "${prefix}dbaas" WITH (FORCE)`);
    await admin.end();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  // the backend's scheduler leaves timers behind
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
