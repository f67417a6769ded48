/*
 * Benchmark: how fresh the catalog is, with a real catalog backend
 * (@backstage/plugin-catalog-backend) and the DBaaS catalog module in one test backend, all on
 * PostgreSQL as in production.
 *
 * (a) Freshness: an instance is created through the API (the fast shared-postgres runtime) and
 *     the catalog's `GET /entities/by-name/resource/default/<name>` is polled until its Resource
 *     is there; then it is deleted and polled until the Resource is gone. Seconds per round
 *     against the goal of 5 s (the module's delta runs every dbaas.catalog.refreshSeconds, 3).
 * (b) Full sync at scale: `count` instances (default 10,000) written straight into the
 *     Manager's table; from the backend's start until the catalog holds all their Resources,
 *     against the catalog's own intake of as many plain Resource entities from a YAML file
 *     registered as a `file:` location, each on a fresh catalog database, in the same run.
 *     Prints both times and their ratio against the goal (at most 1.2).
 *     Three rounds of each (the fourth argument), in turn which goes first; the medians' ratio.
 *
 *   yarn workspace @dbaas/plugin-dbaas-backend bench:catalog [count] [rounds] [sync rounds]
 *
 * Every database it makes is dropped at the end (WITH (FORCE)); the instances of (a) are deleted.
 */
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Client } from 'pg';
import YAML from 'yaml';
import { catalogModuleDbaasInstances } from '../src/catalog/module';
import {
  makeDataDir,
  TEST_ENCRYPTION_KEY,
} from '../src/__testUtils__/fixtures';
import {
  as,
  deleteAll,
  SHARED_SERVER,
  sharedFlavor,
} from '../src/__testUtils__/managerApi';
import { dbaasPlugin } from '../src/plugin';
import { sharedPostgresRuntimeModule } from '../src/runtimes/__testUtils__/sharedPostgresRuntimeModule';
import { startTestManager, testCatalogFactory } from '../src/testUtils';
import { percentile, printTable } from './report';
import { PG_SERVER as SERVER, seedInstances } from './seedInstances';

const COUNT = Number(process.argv[2] ?? 10_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const SYNC_ROUNDS = Number(process.argv[4] ?? 3);
const FRESH_GOAL_S = 5;
const SYNC_GOAL = 1.2;
const LIMIT_MS = 30 * 60_000;
const alice = as('alice');

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const seconds = (ms: number) => (ms / 1000).toFixed(1);
const median = (xs: number[]) => percentile(xs, 50);

/** The catalog's rules: every kind these runs bring in. */
const catalogBase = {
  rules: [{ allow: ['Component', 'Resource', 'Location', 'User', 'Group'] }],
};

async function getJson(url: string) {
  const response = await fetch(url, { headers: { authorization: alice } });
  return { status: response.status, body: (await response.json()) as any };
}

/** How many entities of the filter the catalog serves. */
async function catalogCount(baseUrl: string, filter: string) {
  const { status, body } = await getJson(
    `${baseUrl}/api/catalog/entities/by-query?filter=${encodeURIComponent(
      filter,
    )}&limit=1`,
  );
  if (status !== 200) throw new Error(`catalog: ${status}`);
  return body.totalItems as number;
}

/** Polls until the catalog serves `count` entities of the filter: the ms since `started`. */
async function untilCount(
  baseUrl: string,
  filter: string,
  count: number,
  started: number,
) {
  let seen = 0;
  while (performance.now() - started < LIMIT_MS) {
    seen = await catalogCount(baseUrl, filter);
    if (seen >= count) return performance.now() - started;
    await sleep(500);
  }
  throw new Error(`the catalog held ${seen} of ${count} after 30 minutes`);
}

/** (a): create → its Resource in the catalog, delete → gone, per round. */
async function freshness(prefix: string) {
  const manager = await startTestManager({
    dataDir: makeDataDir('bench-catalog'),
    features: [
      sharedPostgresRuntimeModule,
      catalogPlugin,
      catalogModuleDbaasInstances,
      // the real scheduler: the test backend's runs each task once, at start-up
      schedulerServiceFactory,
      mockServices.rootLogger.factory({ level: 'warn' }),
    ],
    config: {
      app: { baseUrl: 'http://localhost:3000' },
      backend: { database: { client: 'pg', connection: SERVER, prefix } },
      catalog: { ...catalogBase, processingInterval: { seconds: 2 } },
    },
    dbaas: {
      flavors: [sharedFlavor],
      defaultRuntime: 'shared-postgres',
      runtimes: { 'shared-postgres': { url: SHARED_SERVER } },
      catalog: { refreshSeconds: 3 },
      quotas: { default: { maxInstances: 1000, maxStorageGiB: 100000 } },
      rateLimit: { creates: { limit: 10000 } },
    },
  });
  const entityUrl = (name: string) =>
    `${manager.baseUrl}/api/catalog/entities/by-name/resource/default/${name}`;
  const rows: string[][] = [];
  const appear: number[] = [];
  const vanish: number[] = [];
  try {
    // the catalog's first full sync has run once the org's view is there
    await sleep(5000);
    for (let round = 0; round < ROUNDS; round++) {
      const name = `fresh-${round}-${crypto.randomBytes(2).toString('hex')}`;
      const post = await fetch(`${manager.baseUrl}/api/dbaas/instances`, {
        method: 'POST',
        headers: { authorization: alice, 'content-type': 'application/json' },
        body: JSON.stringify({
          name,
          owner: 'group:default/team-a',
          flavorId: sharedFlavor.id,
        }),
      });
      const created = (await post.json()) as any;
      if (post.status !== 202) throw new Error(JSON.stringify(created));
      let started = performance.now();
      while ((await getJson(entityUrl(name))).status !== 200) {
        if (performance.now() - started > 120_000) {
          throw new Error(`${name} not in the catalog after 120 s`);
        }
        await sleep(100);
      }
      appear.push(performance.now() - started);
      // running first: a delete of a provisioning instance waits for it anyway
      for (;;) {
        const { body } = await getJson(
          `${manager.baseUrl}/api/dbaas/instances/${created.id}`,
        );
        if (body.status === 'running') break;
        if (body.status === 'failed') throw new Error(JSON.stringify(body));
        await sleep(50);
      }
      const del = await fetch(
        `${manager.baseUrl}/api/dbaas/instances/${created.id}?skipFinalBackup=true`,
        { method: 'DELETE', headers: { authorization: alice } },
      );
      if (del.status >= 300) throw new Error(`delete: ${del.status}`);
      started = performance.now();
      while ((await getJson(entityUrl(name))).status !== 404) {
        if (performance.now() - started > 120_000) {
          throw new Error(`${name} still in the catalog after 120 s`);
        }
        await sleep(100);
      }
      vanish.push(performance.now() - started);
      rows.push([
        String(round + 1),
        seconds(appear[round]),
        seconds(vanish[round]),
      ]);
    }
  } finally {
    await deleteAll(manager.server, 'alice');
    await manager.stop();
    fs.rmSync(manager.dataDir, { recursive: true, force: true });
  }
  console.log(
    `(a) freshness: POST /instances → its Resource served by the catalog; DELETE → gone (delta every 3 s, catalog processing interval 2 s)`,
  );
  printTable(['round', 'appears s', 'gone s'], rows);
  const worst = Math.max(...appear, ...vanish) / 1000;
  console.log(
    `worst ${worst.toFixed(1)} s; goal: within ${FRESH_GOAL_S} s (${
      worst <= FRESH_GOAL_S ? 'met' : 'NOT met'
    })`,
  );
}

/** `COUNT` instances as a create writes them, straight into the Manager's table. */
/** The shape of an instance's Resource, as plain entities in one YAML file. */
function writeResourcesFile(file: string) {
  const docs = Array.from({ length: COUNT }, (_, i) => {
    const name = `res-${String(i).padStart(5, '0')}`;
    return YAML.stringify({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: {
        name,
        title: name,
        description: 'postgresql 17 database (postgresql-17-small)',
        annotations: { 'example.com/id': crypto.randomUUID() },
        tags: ['postgresql'],
        links: [{ url: `http://localhost:3000/x/${name}`, title: 'Database' }],
      },
      spec: { type: 'database', owner: `group:default/team-${i % 50}` },
    });
  });
  fs.writeFileSync(file, docs.join('---\n'));
}

function backendConfig(
  prefix: string,
  extra: { dataDir: string; catalog?: object },
) {
  return mockServices.rootConfig.factory({
    data: {
      app: { baseUrl: 'http://localhost:3000' },
      backend: { database: { client: 'pg', connection: SERVER, prefix } },
      catalog: {
        ...catalogBase,
        // no reprocessing while the intake runs, on both sides
        processingInterval: { minutes: 30 },
        ...extra.catalog,
      },
      dbaas: {
        flavors: [],
        encryption: { key: TEST_ENCRYPTION_KEY },
        runtimes: { local: { dataDir: extra.dataDir } },
        reconcile: { intervalSeconds: 3600 },
      },
    },
  });
}

/** The catalog alone on a fresh database, the file as a configured location: ms until it serves all. */
async function fileIntake(prefix: string, dataDir: string, file: string) {
  const started = performance.now();
  const backend = await startTestBackend({
    features: [
      catalogPlugin,
      ...quietBackend(),
      backendConfig(prefix, {
        dataDir,
        catalog: { locations: [{ type: 'file', target: file }] },
      }),
    ],
  });
  try {
    return await untilCount(
      `http://127.0.0.1:${backend.server.port()}`,
      'kind=resource',
      COUNT,
      started,
    );
  } finally {
    await backend.stop();
  }
}

/** COUNT instances in the Manager's table, then the catalog with the module: ms until it serves all. */
async function dbaasFullSync(prefix: string, dataDir: string) {
  // the Manager's table first (its migrations), then the instances in it
  let backend = await startTestBackend({
    features: [
      dbaasPlugin,
      testCatalogFactory(),
      ...quietBackend(),
      backendConfig(prefix, { dataDir }),
    ],
  });
  await backend.stop();
  await seedInstances(`${SERVER}/${prefix}dbaas`, COUNT, i => ({
    owner: `group:default/team-${i % 50}`,
    status: 'running',
  }));
  const started = performance.now();
  backend = await startTestBackend({
    features: [
      dbaasPlugin,
      testCatalogFactory(),
      catalogPlugin,
      catalogModuleDbaasInstances,
      ...quietBackend(),
      backendConfig(prefix, { dataDir }),
    ],
  });
  try {
    return await untilCount(
      `http://127.0.0.1:${backend.server.port()}`,
      'kind=resource,spec.type=database',
      COUNT,
      started,
    );
  } finally {
    await backend.stop();
  }
}

function quietBackend() {
  return [
    mockServices.rootLogger.factory({ level: 'warn' }),
    // the real scheduler: the test backend's runs each task once, at start-up
    schedulerServiceFactory,
  ];
}

/**
 * (b): the catalog's intake of COUNT plain Resources from a file against the module's full
 * sync of COUNT instances, SYNC_ROUNDS times each, in turn which goes first, each on fresh
 * databases: one run's ratio moved by ±0.15 with the machine's load.
 */
async function fullSync(prefix: (name: string) => string) {
  const dataDir = makeDataDir('bench-catalog-sync');
  const file = path.join(dataDir, 'resources.yaml');
  writeResourcesFile(file);
  const fileMs: number[] = [];
  const syncMs: number[] = [];
  try {
    for (let round = 0; round < SYNC_ROUNDS; round++) {
      if (round % 2)
        syncMs.push(await dbaasFullSync(prefix(`sync${round}`), dataDir));
      fileMs.push(await fileIntake(prefix(`file${round}`), dataDir, file));
      if (!(round % 2))
        syncMs.push(await dbaasFullSync(prefix(`sync${round}`), dataDir));
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const ratio = median(syncMs) / median(fileMs);
  const all = (ms: number[]) => ms.map(seconds).join(', ');
  console.log(
    `(b) ${COUNT} Resources into a fresh catalog, from the backend's start until the catalog serves all of them (${
      os.cpus().length
    } CPUs, median of ${SYNC_ROUNDS} rounds)`,
  );
  printTable(
    ['source', 'median s', 'rounds s'],
    [
      [
        `file location (${COUNT} YAML documents)`,
        seconds(median(fileMs)),
        all(fileMs),
      ],
      [
        `dbaas full sync (${COUNT} instances)`,
        seconds(median(syncMs)),
        all(syncMs),
      ],
    ],
  );
  console.log(
    `ratio ${ratio.toFixed(2)}; goal: at most ${SYNC_GOAL} (${
      ratio <= SYNC_GOAL ? 'met' : 'NOT met'
    })`,
  );
}

async function main() {
  const tag = crypto.randomBytes(3).toString('hex');
  const prefix = (name: string) => `dbaas_bench_cat_${tag}_${name}_`;
  const admin = new Client({ connectionString: `${SERVER}/postgres` });
  await admin.connect();
  try {
    if (ROUNDS > 0) await freshness(prefix('fresh'));
    if (COUNT > 0 && SYNC_ROUNDS > 0) await fullSync(prefix);
  } finally {
    const { rows } = await admin.query(
      'SELECT datname FROM pg_database WHERE datname LIKE $1',
      [`dbaas_bench_cat_${tag}_%`],
    );
    for (const { datname } of rows) {
      await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    await admin.end();
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
