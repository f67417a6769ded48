/*
 * Benchmark: create → ready of a PostgreSQL instance on the local runtime, against the
 * raw engine's own cold start (initdb + pg_ctl start) of the same binaries, in the same
 * run. Prints the medians and their ratio; the goal is a ratio of at most 1.05.
 *
 *   yarn bench:local [rounds]
 */
import fs from 'fs';
import knexFactory from 'knex';
import os from 'os';
import path from 'path';
import { SecretBox } from '../src/crypto/SecretBox';
import { LifecycleController } from '../src/lifecycle/LifecycleController';
import { InstanceNotifier } from '../src/lifecycle/InstanceNotifier';
import { RuntimeRegistry } from '../src/runtimes';
import { createLocalRuntime } from '../src/runtimes/local';
import { embeddedPostgresBinaries } from '../src/runtimes/local/postgresServer';
import { chownTo, run, runAsSystemUser } from '../src/runtimes/local/processes';
import { InstanceStore } from '../src/store/InstanceStore';
import {
  newInstance,
  postgresFlavor,
  silentLogger,
} from '../src/__testUtils__/fixtures';
import { benchCertificates, report } from './report';

const flavor = postgresFlavor;
const logger = silentLogger;

async function rawColdStart(root: string): Promise<number> {
  const { binDir } = embeddedPostgresBinaries();
  const runAs = await runAsSystemUser('postgres');
  const dir = fs.mkdtempSync(path.join(root, 'raw-'));
  await chownTo(dir, runAs);
  const data = path.join(dir, 'pgdata');
  const port = 20000 + Math.floor(Math.random() * 20000);
  const started = performance.now();
  await run(
    path.join(binDir, 'initdb'),
    [`--pgdata=${data}`, '--username=postgres', '--auth=trust'],
    runAs,
  );
  await run(
    path.join(binDir, 'pg_ctl'),
    [
      'start',
      '-D',
      data,
      '-l',
      path.join(dir, 'log'),
      '-w',
      '-o',
      `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=`,
    ],
    runAs,
  );
  const elapsed = performance.now() - started;
  await run(
    path.join(binDir, 'pg_ctl'),
    ['stop', '-D', data, '-m', 'immediate', '-w'],
    runAs,
  );
  return elapsed;
}

async function managerCreate(root: string): Promise<number> {
  const knex = knexFactory({
    client: 'better-sqlite3',
    connection: ':memory:',
    useNullAsDefault: true,
  });
  const store = await InstanceStore.create(knex);
  const runtimes = new RuntimeRegistry();
  const local = createLocalRuntime({
    dataDir: fs.mkdtempSync(path.join(root, 'managed-')),
    host: '127.0.0.1',
  });
  runtimes.add(local);
  const secretBox = new SecretBox('benchmark key, sixteen or more');
  const controller = new LifecycleController({
    store,
    runtimes,
    flavors: [flavor],
    secretBox,
    notifier: new InstanceNotifier({ logger }),
    logger,
    replicaId: 'bench',
    leaseMs: 30_000,
    certificates: await benchCertificates(),
  });
  const started = performance.now();
  const instance = await store.createInstance(
    newInstance({ name: 'bench-db' }, secretBox),
    { type: 'created', message: 'benchmark', actor: 'user:default/bench' },
  );
  controller.kick(instance.id);
  await controller.idle();
  const elapsed = performance.now() - started;
  const ready = (await store.getInstance(instance.id))!;
  if (ready.status !== 'running')
    throw new Error(`instance ended ${ready.status}: ${ready.fault?.message}`);
  await local.engine.remove(
    ready.hostRef!,
    controller.engineSpec(ready, flavor),
    {
      logger,
      signal: new AbortController().signal,
    },
  );
  await knex.destroy();
  return elapsed;
}

async function main() {
  const rounds = Number(process.argv[2] ?? 9);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dbaas-bench-'));
  fs.chmodSync(root, 0o711);
  const raw: number[] = [];
  const managed: number[] = [];
  try {
    await rawColdStart(root); // warm the page cache for both
    // in turn which goes first, so a slow spell of the machine falls on both alike
    for (let i = 0; i < rounds; i++) {
      if (i % 2) managed.push(await managerCreate(root));
      raw.push(await rawColdStart(root));
      if (!(i % 2)) managed.push(await managerCreate(root));
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  report(
    { label: 'raw initdb + start', ms: raw },
    { label: 'create -> ready', ms: managed },
  );
}

main().then(
  // the certificate issuer's store stays open
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
