/*
 * Fault suite (issue #15): real Manager backends (child processes, replicaBackend.ts) meet one
 * class of fault each, and every class must end with each instance converged (running, or
 * deleted) or failed with a typed fault, no instance made twice, nothing left behind (local
 * servers and data directories, Docker containers and volumes, schemas and roles) and none of
 * the generated passwords in the backends' logs. Prints one figure line per class and exits 1
 * on any violation.
 *
 *   yarn workspace @dbaas/plugin-dbaas-backend fault-suite     (CI runs it from scripts/test.sh)
 *
 * Classes:
 *  - sigkill: the backend is SIGKILLed with one instance in each phase of PROVISIONING_PHASES
 *    (but engine_starting, see sigkillClass) and DELETING_PHASES (from @dbaas/plugin-dbaas-common); a trigger in the store holds each
 *    instance at the end of its phase (its step's work done, its record refused) until the
 *    kill, then a restarted backend resumes them. Local runtime: real servers.
 *  - runtime: scripted faults in real runtimes (a wrapper, reliabilityRuntimes.ts): throttled,
 *    5xx, slower than the step limit, hung, half-created (work done, answer lost), on create and
 *    delete calls, on the local runtime and on shared-server schemas. Deletes skip the final
 *    backup: the suite is about the lifecycle's faults (backups have their own tests).
 *  - docker: the Docker runtime behind a Docker API proxy that answers 500, hangs, or loses
 *    the answer of work it passed on.
 *  - store: the store's PostgreSQL cut for 10 s (a TCP proxy) mid-deploy and mid-delete.
 *  - disk: the local runtime's data directory on a 16 MiB tmpfs (as root; without mount
 *    rights a scripted ENOSPC instead, and the line says so).
 *  - pool: the warm pool under a crowd (poolClass): two replicas, pooled and cold creates mixed
 *    on the local and Docker runtimes, one replica SIGKILLed with a pooled create held after
 *    its take-over and its share of the crowd in flight; each database must be its owner's
 *    (credentials that keep a row), and the paused pool must leave nothing.
 *
 *   FAULT_SUITE_CLASSES=pool yarn workspace @dbaas/plugin-dbaas-backend fault-suite
 */
import {
  PROVISIONING_PHASES,
  DELETING_PHASES,
} from '@dbaas/plugin-dbaas-common';
import { execFileSync } from 'child_process';
import crypto from 'crypto';
import Docker from 'dockerode';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Client } from 'pg';
import { SecretBox } from '../src/crypto/SecretBox';
import {
  dockerFlavor,
  makeDataDir,
  postgresFlavor,
} from '../src/__testUtils__/fixtures';
import { until } from '@dbaas/plugin-dbaas-node/testUtils';
import { TcpProxy } from '../src/__testUtils__/tcpProxy';
import { appSql } from '../src/__testUtils__/appSql';
import { POOL_OWNER } from '../src/pool/WarmPool';
import {
  LABEL_FLAVOR,
  LABEL_INSTANCE,
  LABEL_OWNER,
} from '@dbaas/plugin-dbaas-node';
import { DockerFaultProxy } from '../src/lifecycle/__testUtils__/dockerFaultProxy';
import {
  callSpans,
  concurrentWorkers,
} from '../src/lifecycle/__testUtils__/journalChecks';
import {
  readJournal,
  ScriptedFault,
} from '../src/lifecycle/__testUtils__/reliabilityRuntimes';
import { ReplicaProcess } from '../src/lifecycle/__testUtils__/replicaProcess';
import {
  dockerResources,
  dropSharedObjects,
  localDirs,
  localServers,
  removeDockerResources,
  sharedObjects,
  stopLocalServers,
} from '../src/lifecycle/__testUtils__/runtimeInventory';

const SERVER = (
  process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING ??
  'postgresql://postgres@127.0.0.1:5432'
).replace(/\/$/, '');
const KEY = 'fault suite key of sixteen characters';
const FAULT_CODES_OK = /^[A-Z_]+$/;
const tag = crypto.randomBytes(3).toString('hex');
const prefix = `dbaas_faults_${tag}_`;
const storeDb = `${prefix}dbaas`;
const sharedUrl = `${SERVER}/postgres`;
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbaas-fault-suite-'));
const journal = path.join(workDir, 'journal.jsonl');
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const dataDirs: string[] = [];
const mounts: string[] = [];
let store: Client;
let violations = 0;
const logFiles: string[] = [];
const startedAt = Date.now();

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function dataDir(name: string) {
  const dir = makeDataDir(`faults-${name}`);
  dataDirs.push(dir);
  return dir;
}

interface BackendOptions {
  id: string;
  dataDir: string;
  store?: { host: string; port: number };
  faults?: Record<string, ScriptedFault[]>;
  dockerSocket?: string;
  stepTimeoutSeconds?: number;
  /** Keeps `warmPool` servers warm of each flavor: PostgreSQL on test-local and on test-docker. */
  warmPool?: number;
}

/** Each replica's options, to start it again for the final deletes. */
const optionsOf = new Map<string, BackendOptions>();

async function backend(o: BackendOptions) {
  optionsOf.set(o.id, o);
  const logFile = path.join(workDir, `${o.id}.log`);
  if (!logFiles.includes(logFile)) logFiles.push(logFile);
  const target = new URL(SERVER);
  return ReplicaProcess.start(
    {
      replicaId: o.id,
      database: {
        client: 'pg',
        connection: {
          host: o.store?.host ?? target.hostname,
          port: o.store?.port ?? Number(target.port || 5432),
          user: decodeURIComponent(target.username || 'postgres'),
          password: decodeURIComponent(target.password) || undefined,
        },
        prefix,
      },
      dbaas: {
        flavors: o.warmPool
          ? [
              {
                ...postgresFlavor,
                warmPool: { size: o.warmPool, runtimes: ['test-local'] },
              },
              {
                ...dockerFlavor,
                warmPool: { size: o.warmPool, runtimes: ['test-docker'] },
              },
            ]
          : [postgresFlavor, dockerFlavor],
        defaultRuntime: 'test-local',
        runtimes: {
          local: { dataDir: o.dataDir },
          'test-local': { dataDir: o.dataDir, faults: o.faults ?? {} },
          'test-shared': { url: sharedUrl, faults: o.faults ?? {} },
          ...(o.dockerSocket
            ? {
                'test-docker': {
                  hosts: [
                    { name: 'docker-1', url: `unix://${o.dockerSocket}` },
                  ],
                  startTimeoutSeconds: 60,
                  faults: o.faults ?? {},
                },
              }
            : {}),
        },
        encryption: { key: KEY },
        provisioning: {
          leaseSeconds: 5,
          timeoutSeconds: 240,
          stepTimeoutSeconds: o.stepTimeoutSeconds ?? 60,
        },
        reconcile: { intervalSeconds: 3600 },
        // a claim its replica died holding (the pool class kills one) goes in seconds
        ...(o.warmPool ? { warmPool: { abandonAfterSeconds: 15 } } : {}),
        quotas: { default: { maxInstances: 1000, maxStorageGiB: 100000 } },
        rateLimit: { creates: { limit: 1000 } },
      },
      // resume-pending every 1 s, the janitor every 3 s
      schedulerScale: 0.1,
      journal,
      logLevel: 'debug',
    },
    { logFile },
  );
}

async function rowsNamed(names: string[]) {
  const { rows } = await store.query(
    'SELECT id, name, status, phase, fault, cleanup_pending, runtime FROM dbaas_instances WHERE name = ANY($1)',
    [names],
  );
  return rows;
}

/** Polls every 200 ms, for two minutes unless told otherwise. */
const poll = <T>(
  what: string,
  read: () => Promise<T>,
  done: (v: T) => boolean,
  timeoutMs = 120_000,
) => until(what, read, done, { timeoutMs, intervalMs: 200 });

const settled = (r: any) =>
  (r.status === 'running' || r.status === 'deleted' || r.status === 'failed') &&
  !r.cleanup_pending;

async function create(
  replica: ReplicaProcess,
  name: string,
  runtime: string,
  extra: Record<string, unknown> = {},
) {
  const flavorId =
    runtime === 'test-docker' ? dockerFlavor.id : postgresFlavor.id;
  const res = await replica.api('POST', '/instances', {
    name,
    owner: 'group:default/team-a',
    flavorId,
    runtime,
    ...extra,
  });
  if (res.status !== 202) {
    throw new Error(
      `create ${name}: ${res.status} ${JSON.stringify(res.body)}`,
    );
  }
  return res.body.id as string;
}

/** What one class found: each instance's end, duplicates, leaks. */
interface Outcome {
  cls: string;
  note?: string;
  rows: any[];
  problems: string[];
  ms: number;
}
const outcomes: Outcome[] = [];
const killedAt: Record<string, number> = {};

/**
 * Checks the class's instances: each settled, failed ones with a typed fault, one row per
 * name, no two replicas in a call on one instance, and what the runtimes hold matches exactly
 * the running ones.
 */
async function check(
  cls: string,
  names: string[],
  dirs: string[],
  started: number,
  note?: string,
) {
  const rows = await poll(
    `${cls}: every instance to settle`,
    () => rowsNamed(names),
    rs => rs.length === names.length && rs.every(settled),
  ).catch(async error => {
    return { error, rows: await rowsNamed(names) } as any;
  });
  const problems: string[] = [];
  const list: any[] = Array.isArray(rows) ? rows : rows.rows;
  if (!Array.isArray(rows)) problems.push(String(rows.error.message));
  if (new Set(list.map(r => r.name)).size !== list.length) {
    problems.push('an instance was recorded twice');
  }
  for (const r of list) {
    if (r.status === 'failed') {
      const fault = JSON.parse(r.fault ?? 'null');
      if (!fault || !FAULT_CODES_OK.test(fault.code ?? '')) {
        problems.push(`${r.name} failed without a typed fault`);
      }
    }
  }
  const running = list.filter(r => r.status === 'running');
  const local = running.filter(r => r.runtime === 'test-local').map(r => r.id);
  const servers = dirs.flatMap(d => localServers(d).map(s => s.id));
  const folders = dirs.flatMap(d => localDirs(d));
  const ids = new Set(list.map(r => r.id));
  const mine = (id: string) => ids.has(id);
  const extraServers = servers.filter(id => mine(id) && !local.includes(id));
  const extraDirs = folders.filter(id => mine(id) && !local.includes(id));
  if (servers.filter(mine).length !== new Set(servers.filter(mine)).size) {
    problems.push('two servers for one instance');
  }
  if (extraServers.length) problems.push(`leaked servers: ${extraServers}`);
  if (extraDirs.length) problems.push(`leaked data directories: ${extraDirs}`);
  const missing = local.filter(id => !servers.includes(id));
  if (missing.length) problems.push(`running without a server: ${missing}`);
  const dockerNow = await dockerResources(docker);
  const runningDocker = running
    .filter(r => r.runtime === 'test-docker')
    .map(r => r.id);
  for (const c of dockerNow.containers) {
    const id = c.name.replace(/^\/dbaas-/, '');
    if (mine(id) && !runningDocker.includes(id))
      problems.push(`leaked container ${c.name}`);
  }
  for (const v of dockerNow.volumes) {
    const id = v.replace(/^dbaas-/, '').replace(/-(data|wal)$/, '');
    if (mine(id) && !runningDocker.includes(id))
      problems.push(`leaked volume ${v}`);
  }
  const shared = await sharedObjects(sharedUrl, `fs_${tag}_`);
  const runningShared = running
    .filter(r => r.runtime === 'test-shared')
    .map(r => r.name.replace(/-/g, '_'));
  for (const s of shared.schemas) {
    if (
      names.map(n => n.replace(/-/g, '_')).includes(s) &&
      !runningShared.includes(s)
    ) {
      problems.push(`leaked schema ${s}`);
    }
  }
  const spans = callSpans(
    readJournal(journal).filter(e => mine(e.id)),
    killedAt,
  );
  problems.push(
    ...concurrentWorkers(spans).map(c => `two workers at once: ${c}`),
  );
  outcomes.push({ cls, note, rows: list, problems, ms: Date.now() - started });
  return list;
}

/**
 * A trigger that holds an instance at the end of a phase: its step is done, its record refused.
 * A row in fault_holds (name, phase, sequence) arms it; the sequence counts the refusals.
 */
async function installHoldTrigger() {
  await store.query(`
    CREATE TABLE IF NOT EXISTS fault_holds (name text, phase text, seq text);
    CREATE OR REPLACE FUNCTION fault_hold() RETURNS trigger AS $$
    DECLARE h record;
    BEGIN
      SELECT * INTO h FROM fault_holds WHERE name = OLD.name AND phase = OLD.phase;
      IF FOUND AND NEW.phase IS DISTINCT FROM OLD.phase THEN
        PERFORM nextval(h.seq::regclass);
        RAISE EXCEPTION 'fault suite: % held at %', OLD.name, OLD.phase;
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql;
    DROP TRIGGER IF EXISTS fault_hold ON dbaas_instances;
    CREATE TRIGGER fault_hold BEFORE UPDATE ON dbaas_instances
      FOR EACH ROW EXECUTE FUNCTION fault_hold();
  `);
}

/** Holds the instance `name` at the end of `phase` until the holds are cleared; the sequence says when it was hit. */
async function holdAt(name: string, phase: string, seq: string) {
  await store.query(`CREATE SEQUENCE IF NOT EXISTS ${seq}`);
  await store.query('INSERT INTO fault_holds VALUES ($1, $2, $3)', [
    name,
    phase,
    seq,
  ]);
}

const holdHit = async (seq: string) =>
  (await store.query(`SELECT is_called FROM ${seq}`)).rows[0]
    .is_called as boolean;

async function sigkillClass() {
  const started = Date.now();
  const dir = dataDir('sigkill');
  // engine_starting is reached only by a server that does not answer right after its deploy
  // (the deploy step's own health check takes the others to running), and the local runtime's
  // servers always answer: the hold at the end of engine_deploying covers that step
  const phases = [
    ...PROVISIONING_PHASES.filter(p => p !== 'engine_starting'),
    ...DELETING_PHASES,
  ];
  let one = await backend({ id: 'sigkill-1', dataDir: dir });
  await installHoldTrigger();
  const names = phases.map(p => `fs-${tag}-kill-${p.replace(/_/g, '-')}`);
  // the instances that die while deleting must be running first
  const deleting = phases
    .map((p, i) => ({ p, name: names[i] }))
    .filter(x => (DELETING_PHASES as readonly string[]).includes(x.p));
  const ids: Record<string, string> = {};
  for (const d of deleting)
    ids[d.name] = await create(one, d.name, 'test-local');
  await poll(
    'the instances to delete to run',
    () => rowsNamed(deleting.map(d => d.name)),
    rs => rs.every(r => r.status === 'running'),
  );
  for (const [i, p] of phases.entries()) {
    await holdAt(names[i], p, `fault_hold_${i}`);
  }
  for (const [i, p] of phases.entries()) {
    if ((DELETING_PHASES as readonly string[]).includes(p)) {
      await one.api(
        'DELETE',
        `/instances/${ids[names[i]]}?skipFinalBackup=true`,
      );
    } else {
      ids[names[i]] = await create(one, names[i], 'test-local');
    }
  }
  // every instance at its phase, its step done (the hold was hit)
  await poll(
    'each instance to be held at its phase',
    async () => {
      const hits = [];
      for (const i of phases.keys())
        hits.push(await holdHit(`fault_hold_${i}`));
      return hits;
    },
    hits => hits.every(Boolean),
  );
  killedAt['sigkill-1'] = Date.now();
  await one.kill();
  await store.query('DELETE FROM fault_holds');
  // the same replica comes back (its leases resume at once)
  one = await backend({ id: 'sigkill-1', dataDir: dir });
  const rows = await check(
    'sigkill',
    names,
    [dir],
    started,
    `phases: ${phases.join(', ')}`,
  );
  const expectation = rows.filter(r =>
    deleting.some(d => d.name === r.name)
      ? r.status !== 'deleted'
      : r.status !== 'running',
  );
  if (expectation.length) {
    outcomes
      .at(-1)!
      .problems.push(
        `not converged: ${expectation
          .map(r => `${r.name} ${r.status}`)
          .join(', ')}`,
      );
  }
  return { replica: one, names, dirs: [dir] };
}

async function runtimeClass() {
  const started = Date.now();
  const dir = dataDir('runtime');
  const cases: Array<[string, string, ScriptedFault[]]> = [
    [
      'throttle-provision',
      'test-shared',
      [{ call: 'provision', kind: 'throttle' }],
    ],
    ['5xx-deploy', 'test-shared', [{ call: 'deploy', kind: '5xx' }]],
    ['timeout-deploy', 'test-shared', [{ call: 'deploy', kind: 'timeout' }]],
    ['hang-provision', 'test-shared', [{ call: 'provision', kind: 'hang' }]],
    ['half-deploy', 'test-shared', [{ call: 'deploy', kind: 'half-created' }]],
    [
      'half-deploy-local',
      'test-local',
      [{ call: 'deploy', kind: 'half-created' }],
    ],
    [
      'half-provision-local',
      'test-local',
      [{ call: 'provision', kind: 'half-created' }],
    ],
    ['5xx-remove', 'test-shared', [{ call: 'remove', kind: '5xx', times: 2 }]],
    ['hang-remove', 'test-shared', [{ call: 'remove', kind: 'hang' }]],
    ['5xx-destroy-local', 'test-local', [{ call: 'destroy', kind: '5xx' }]],
  ];
  const name = (c: string) => `fs-${tag}-rt-${c}`;
  const faults = Object.fromEntries(cases.map(([c, , f]) => [name(c), f]));
  const one = await backend({
    id: 'runtime-1',
    dataDir: dir,
    faults,
    stepTimeoutSeconds: 8,
  });
  const ids: Record<string, string> = {};
  await Promise.all(
    cases.map(async ([c, runtime]) => {
      ids[c] = await create(one, name(c), runtime);
    }),
  );
  // faults on removal: delete once running
  const deleters = cases.filter(([, , f]) =>
    f.some(x => x.call === 'remove' || x.call === 'destroy'),
  );
  await poll(
    'the instances to delete to run',
    () => rowsNamed(deleters.map(([c]) => name(c))),
    rs => rs.every(r => r.status === 'running'),
  );
  for (const [c] of deleters)
    await one.api('DELETE', `/instances/${ids[c]}?skipFinalBackup=true`);
  await check(
    'runtime',
    cases.map(([c]) => name(c)),
    [dir],
    started,
    `throttle, 5xx, timeout, hang, half-created on provision/deploy/remove/destroy`,
  );
  return { replica: one, names: cases.map(([c]) => name(c)), dirs: [dir] };
}

async function dockerClass() {
  const started = Date.now();
  const dir = dataDir('docker');
  const proxy = await DockerFaultProxy.start({
    socketPath: path.join(workDir, 'docker.sock'),
  });
  const one = await backend({
    id: 'docker-1',
    dataDir: dir,
    dockerSocket: proxy.socketPath,
    stepTimeoutSeconds: 10,
  });
  const cases: Array<[string, (id: string) => void]> = [
    [
      'create-5xx',
      id =>
        proxy.add({
          method: 'POST',
          path: new RegExp(`/containers/create\\?name=dbaas-${id}`),
          fault: '5xx',
        }),
    ],
    [
      'start-hang',
      id =>
        proxy.add({
          method: 'POST',
          path: new RegExp(`/containers/dbaas-${id}/start`),
          fault: 'hang',
        }),
    ],
    [
      'start-half',
      id =>
        proxy.add({
          method: 'POST',
          path: new RegExp(`/containers/dbaas-${id}/start`),
          fault: 'half-created',
        }),
    ],
    [
      'remove-5xx',
      id =>
        proxy.add({
          method: 'DELETE',
          path: new RegExp(`/containers/dbaas-${id}\\?`),
          fault: '5xx',
          times: 2,
        }),
    ],
  ];
  const name = (c: string) => `fs-${tag}-dk-${c}`;
  const ids: Record<string, string> = {};
  try {
    for (const [c, rule] of cases) {
      // held at its host until the rule is in place
      ids[c] = await create(one, name(c), 'test-docker', { holdAtHost: true });
      await poll(
        `${c} at its host`,
        () => rowsNamed([name(c)]),
        rs => rs[0]?.phase === 'host_ready',
      );
      rule(ids[c]);
      await one.api('POST', `/instances/${ids[c]}/deploy`);
    }
    await poll(
      'remove-5xx to run',
      () => rowsNamed([name('remove-5xx')]),
      rs => rs[0].status === 'running',
    );
    await one.api(
      'DELETE',
      `/instances/${ids['remove-5xx']}?skipFinalBackup=true`,
    );
    await check(
      'docker',
      cases.map(([c]) => name(c)),
      [dir],
      started,
    );
    outcomes.at(
      -1,
    )!.note = `Docker API proxy: ${proxy.hits.length} faults injected (500 on create, hung start, lost answer of a start, 500 on remove x2)`;
  } finally {
    await proxy.stop().catch(() => {});
  }
  return { replica: one, names: cases.map(([c]) => name(c)), dirs: [dir] };
}

async function storeClass() {
  const started = Date.now();
  const dir = dataDir('store');
  const target = new URL(SERVER);
  const proxy = await TcpProxy.start({
    host: target.hostname,
    port: Number(target.port || 5432),
  });
  try {
    const one = await backend({
      id: 'store-1',
      dataDir: dir,
      store: { host: '127.0.0.1', port: proxy.port },
    });
    const names = [`fs-${tag}-st-deploy`, `fs-${tag}-st-delete`];
    const del = await create(one, names[1], 'test-shared');
    await poll(
      'st-delete to run',
      () => rowsNamed([names[1]]),
      rs => rs[0]?.status === 'running',
    );
    const before = readJournal(journal).length;
    const dep = await create(one, names[0], 'test-local');
    // cut the store for 10 s as the local deploy begins
    await poll(
      'the deploy to begin',
      async () => readJournal(journal).slice(before),
      es =>
        es.some(e => e.id === dep && e.call === 'deploy' && e.ev === 'begin'),
      60_000,
    );
    proxy.cut(10_000);
    await sleep(10_500);
    // and again as a delete begins removing
    const mark = readJournal(journal).length;
    await one.api('DELETE', `/instances/${del}?skipFinalBackup=true`);
    await poll(
      'the removal to begin',
      async () => readJournal(journal).slice(mark),
      es =>
        es.some(e => e.id === del && e.call === 'remove' && e.ev === 'begin'),
      60_000,
    );
    proxy.cut(10_000);
    await sleep(10_500);
    const rows = await check(
      'store',
      names,
      [dir],
      started,
      'PostgreSQL cut 10 s mid-deploy and 10 s mid-delete',
    );
    const bad = rows.filter(r =>
      r.name === names[0] ? r.status !== 'running' : r.status !== 'deleted',
    );
    if (bad.length)
      outcomes
        .at(-1)!
        .problems.push(
          `not converged: ${bad.map(r => `${r.name} ${r.status}`)}`,
        );
    return { replica: one, names, dirs: [dir], proxy };
  } catch (error) {
    await proxy.stop();
    throw error;
  }
}

async function diskClass() {
  const started = Date.now();
  const dir = dataDir('disk');
  let note = 'a 16 MiB tmpfs as the data directory';
  const faults: Record<string, ScriptedFault[]> = {};
  const name = `fs-${tag}-disk-full`;
  try {
    execFileSync('mount', [
      '-t',
      'tmpfs',
      '-o',
      'size=16m,mode=0711',
      'tmpfs',
      dir,
    ]);
    mounts.push(dir);
  } catch {
    note = 'no mount rights: a scripted ENOSPC on deploy';
    faults[name] = [{ call: 'deploy', kind: 'enospc' }];
  }
  const one = await backend({ id: 'disk-1', dataDir: dir, faults });
  await create(one, name, 'test-local');
  const rows = await check('disk', [name], [dir], started, note);
  if (rows[0]?.status !== 'failed') {
    outcomes
      .at(-1)!
      .problems.push(
        `disk full: ${rows[0]?.name} is ${rows[0]?.status}, not failed`,
      );
  }
  return { replica: one, names: [name], dirs: [dir] };
}

const POOL_SIZE = 3;

/** The warm pool's members (dbaas_pool_members) by runtime and status. */
async function poolMembers() {
  const { rows } = await store.query(
    'SELECT id, runtime, status FROM dbaas_pool_members',
  );
  return rows as Array<{ id: string; runtime: string; status: string }>;
}

/**
 * Warm pool under a crowd: two replicas keep three PostgreSQL servers warm on test-local and on
 * test-docker; more creates than members come at once through both, so pooled and cold creates
 * mix on both runtimes; one pooled create is held after its take-over (its record refused) and
 * its replica is SIGKILLed with the crowd in flight. Every instance must run with its own
 * server and credentials that connect and keep a row; the pool, paused, must leave nothing.
 */
async function poolClass() {
  const started = Date.now();
  const dir = dataDir('pool');
  const options = {
    dataDir: dir,
    dockerSocket: '/var/run/docker.sock',
    warmPool: POOL_SIZE,
    // what the killed replica was starting is abandoned after twice this
    stepTimeoutSeconds: 30,
  };
  let one = await backend({ id: 'pool-1', ...options });
  const two = await backend({ id: 'pool-2', ...options });
  await installHoldTrigger();
  // the pause of an earlier run of this class is not this one's
  await two.api('PUT', '/admin/warm-pool', { paused: false });
  await poll(
    'the pool to fill on both runtimes',
    poolMembers,
    ms =>
      ['test-local', 'test-docker'].every(
        r =>
          ms.filter(m => m.runtime === r && m.status === 'ready').length ===
          POOL_SIZE,
      ),
    240_000,
  );

  // a pooled create held once its server is taken over: its replica dies holding the claim
  const held = `fs-${tag}-pool-held`;
  await holdAt(held, 'engine_deploying', 'fault_hold_pool');
  await create(one, held, 'test-local');
  await poll(
    'the held create to reach its hold',
    () => holdHit('fault_hold_pool'),
    Boolean,
  );

  const crowd = [
    ...Array.from({ length: 7 }, (_, i) => [
      `fs-${tag}-pool-l${i}`,
      'test-local',
    ]),
    ...Array.from({ length: 5 }, (_, i) => [
      `fs-${tag}-pool-d${i}`,
      'test-docker',
    ]),
  ];
  const posts = crowd.map(([name, runtime], i) =>
    create(i % 2 ? two : one, name, runtime).then(
      () => undefined,
      error => ({ name, runtime, error: String(error) }),
    ),
  );
  // killed with its share of the crowd in flight
  await sleep(150);
  killedAt['pool-1'] = Date.now();
  await one.kill();
  // a create whose POST died with its replica is sent again to the other: the name tells
  // whether the first one was recorded (409)
  for (const lost of (await Promise.all(posts)).filter(Boolean)) {
    const again = await two.api('POST', '/instances', {
      name: lost!.name,
      owner: 'group:default/team-a',
      flavorId:
        lost!.runtime === 'test-docker' ? dockerFlavor.id : postgresFlavor.id,
      runtime: lost!.runtime,
    });
    if (again.status !== 202 && again.status !== 409) {
      throw new Error(
        `create ${lost!.name} again: ${again.status} ${JSON.stringify(
          again.body,
        )}`,
      );
    }
  }
  await store.query('DELETE FROM fault_holds');
  one = await backend({ id: 'pool-1', ...options });

  const names = [held, ...crowd.map(([name]) => name)];
  const rows = await check(
    'pool',
    names,
    [dir],
    started,
    `${POOL_SIZE} warm on test-local and test-docker, two replicas, ${names.length} creates at once, one replica SIGKILLed mid-take-over`,
  );
  const problems = outcomes.at(-1)!.problems;
  const { rows: detail } = await store.query(
    'SELECT name, runtime, status, from_pool, endpoint FROM dbaas_instances WHERE name = ANY($1)',
    [names],
  );
  const notRunning = detail.filter(r => r.status !== 'running');
  if (notRunning.length) {
    problems.push(
      `not converged: ${notRunning.map(r => `${r.name} ${r.status}`)}`,
    );
  }
  for (const runtime of ['test-local', 'test-docker']) {
    const on = detail.filter(r => r.runtime === runtime);
    const pooled = on.filter(r => r.from_pool).length;
    if (!pooled || pooled === on.length) {
      problems.push(
        `${runtime}: ${pooled} of ${on.length} creates pooled; both paths were to mix`,
      );
    }
  }
  if (!detail.find(r => r.name === held)?.from_pool) {
    problems.push(`${held} was not a pooled create`);
  }
  const endpoints = detail.map(r => {
    const e = JSON.parse(r.endpoint ?? '{}');
    return `${e.host}:${e.port}`;
  });
  if (new Set(endpoints).size !== endpoints.length) {
    problems.push('two instances were handed one server');
  }
  // each database is its owner's: the credentials connect, and a row is kept
  for (const r of rows.filter(x => x.status === 'running')) {
    try {
      const { body: c } = await two.api(
        'GET',
        `/instances/${r.id}/credentials`,
      );
      await appSql('postgresql', c, 'CREATE TABLE kept (v text)');
      await appSql('postgresql', c, `INSERT INTO kept VALUES ('${r.name}')`);
      const kept = await appSql('postgresql', c, 'SELECT v FROM kept');
      if (kept.length !== 1 || kept[0].v !== r.name) {
        problems.push(`${r.name} kept ${JSON.stringify(kept)}`);
      }
    } catch (error) {
      problems.push(`${r.name}: its credentials do not keep a row: ${error}`);
    }
  }
  outcomes.at(-1)!.note += `; pooled ${
    detail.filter(r => r.from_pool).length
  }, cold ${detail.filter(r => !r.from_pool).length}`;

  // paused, the pool removes every member it holds: nothing of it is left on either runtime
  await two.stop();
  await one.api('PUT', '/admin/warm-pool', { paused: true });
  const ids = new Set(rows.map(r => r.id));
  await poll(
    'the paused pool to remove its members',
    async () => ({
      members: await poolMembers(),
      servers: localServers(dir).filter(x => !ids.has(x.id)),
      // a member's volume keeps the pool's owner label; a claimed one is its instance's
      volumes: (
        (
          await docker.listVolumes({
            filters: { label: [`${LABEL_OWNER}=${POOL_OWNER}`] },
          })
        ).Volumes ?? []
      ).filter(
        v =>
          // this class's: its flavor, made since it began (other tests pool too)
          v.Labels?.[LABEL_FLAVOR] === dockerFlavor.id &&
          Date.parse((v as { CreatedAt?: string }).CreatedAt ?? '') >=
            Math.floor(started / 1000) * 1000 &&
          !ids.has(v.Labels?.[LABEL_INSTANCE] ?? ''),
      ),
    }),
    left =>
      !left.members.length && !left.servers.length && !left.volumes.length,
    180_000,
  ).catch(error =>
    problems.push(`the paused pool left members: ${error.message}`),
  );
  return { replica: one, names, dirs: [dir] };
}

/** Deletes what a class left running and checks that nothing is left of it. */
async function deleteAll(c: {
  replica: ReplicaProcess;
  names: string[];
  dirs: string[];
}) {
  // the class's replica again, alone: its runtimes are configured as its instances need
  const replica = await backend(optionsOf.get(c.replica.settings.replicaId)!);
  try {
    return await deleteClass(replica, c);
  } finally {
    await replica.stop();
  }
}

async function deleteClass(
  replica: ReplicaProcess,
  c: { names: string[]; dirs: string[] },
) {
  const rows = await rowsNamed(c.names);
  for (const r of rows.filter(x => x.status === 'running')) {
    await replica.api('DELETE', `/instances/${r.id}?skipFinalBackup=true`);
  }
  await poll(
    'the class to be deleted',
    () => rowsNamed(c.names),
    rs =>
      rs.every(
        r =>
          r.status === 'deleted' ||
          (r.status === 'failed' && !r.cleanup_pending),
      ),
    90_000,
  );
  const ids = new Set(rows.map(r => r.id));
  const left = [
    ...c.dirs.flatMap(d => localServers(d).map(s => `server ${s.id}`)),
    ...c.dirs.flatMap(d =>
      localDirs(d)
        .filter(x => ids.has(x))
        .map(x => `dir ${x}`),
    ),
  ];
  return left;
}

function secretsInLogs(rows: any[]) {
  const box = new SecretBox(KEY);
  const logs = logFiles
    .filter(f => fs.existsSync(f))
    .map(f => fs.readFileSync(f, 'utf8'))
    .join('\n');
  let found = 0;
  for (const r of rows) {
    const secrets = box.open<{ password: string; adminPassword: string }>(
      r.secrets,
    );
    for (const s of [secrets.password, secrets.adminPassword]) {
      if (s && logs.includes(s)) found++;
    }
  }
  return found;
}

async function main() {
  const admin = new Client({ connectionString: sharedUrl });
  await admin.connect();
  const classes: Array<Awaited<ReturnType<typeof sigkillClass>> | undefined> =
    [];
  let storeProxy: TcpProxy | undefined;
  try {
    // FAULT_SUITE_CLASSES=pool,disk runs only those (while working on one)
    const only = process.env.FAULT_SUITE_CLASSES?.split(',');
    const run = async (name: string, fn: () => Promise<any>) => {
      if (only && !only.includes(name)) return;
      try {
        const c = await fn();
        classes.push(c);
        if (c?.proxy) storeProxy = c.proxy;
        // one class's replicas at a time: each class configures its runtimes (data
        // directories, faults) its own way, and all share one store, so a replica of another
        // class must not pick its instances up (a real cluster configures every replica alike)
        await c?.replica.stop();
      } catch (error) {
        outcomes.push({
          cls: name,
          rows: [],
          problems: [String((error as Error).stack)],
          ms: 0,
        });
      }
    };
    // the store's database exists once the first backend ran its migrations
    const first = await backend({ id: 'setup', dataDir: dataDir('setup') });
    await first.stop();
    store = new Client({ connectionString: `${SERVER}/${storeDb}` });
    await store.connect();
    await run('sigkill', sigkillClass);
    await run('runtime', runtimeClass);
    await run('docker', dockerClass);
    await run('store', storeClass);
    await run('disk', diskClass);
    await run('pool', poolClass);
    // everything deleted in the end, nothing left anywhere
    const left: string[] = [];
    for (const c of classes) if (c) left.push(...(await deleteAll(c)));
    const all = (await store.query('SELECT * FROM dbaas_instances')).rows;
    const ids = new Set(all.map(r => r.id));
    const dockerLeft = await dockerResources(docker);
    left.push(
      ...dockerLeft.containers
        .filter(x => ids.has(x.name.replace(/^\/dbaas-/, '')))
        .map(x => `container ${x.name}`),
      ...dockerLeft.volumes
        .filter(v =>
          ids.has(v.replace(/^dbaas-/, '').replace(/-(data|wal)$/, '')),
        )
        .map(v => `volume ${v}`),
      ...(await sharedObjects(sharedUrl, `fs_${tag}_`)).schemas.map(
        s => `schema ${s}`,
      ),
    );
    const secrets = secretsInLogs(all);
    for (const o of outcomes) {
      const count = (s: string) => o.rows.filter(r => r.status === s).length;
      const codes = [
        ...new Set(
          o.rows
            .filter(r => r.status === 'failed')
            .map(r => JSON.parse(r.fault).code),
        ),
      ];
      const leaks = o.problems.filter(p =>
        /leaked|without a server/.test(p),
      ).length;
      const dups = o.problems.filter(p => /twice|two /.test(p)).length;
      console.log(
        `fault-suite ${o.cls.padEnd(8)} instances ${o.rows.length}: converged ${
          count('running') + count('deleted')
        } (running ${count('running')}, deleted ${count(
          'deleted',
        )}), failed with a typed fault ${count('failed')}${
          codes.length ? ` [${codes.join(', ')}]` : ''
        }; duplicates ${dups}; leaks ${leaks}; ${(o.ms / 1000).toFixed(1)} s${
          o.note ? ` (${o.note})` : ''
        }`,
      );
      for (const p of o.problems) console.log(`  VIOLATION ${o.cls}: ${p}`);
      violations += o.problems.length;
    }
    console.log(
      `fault-suite all      after deleting everything: left ${left.length}${
        left.length ? ` (${left.join(', ')})` : ''
      }; secrets in logs ${secrets} (${all.length * 2} passwords, ${
        logFiles.length
      } backend logs); ${((Date.now() - startedAt) / 1000).toFixed(0)} s on ${
        os.cpus().length
      } CPUs`,
    );
    violations += left.length + secrets;
  } finally {
    await ReplicaProcess.killAll();
    await storeProxy?.stop().catch(() => {});
    for (const d of dataDirs) await stopLocalServers(d);
    // only what this run's instances made: other work on this machine keeps its own
    const ours = await store
      ?.query(
        'SELECT id FROM dbaas_instances UNION SELECT id FROM dbaas_pool_members',
      )
      .then(r => new Set(r.rows.map(x => x.id as string)))
      .catch(() => new Set<string>());
    const dockerLeft = await dockerResources(docker).catch(() => undefined);
    if (dockerLeft && ours) {
      await removeDockerResources(docker, {
        containers: dockerLeft.containers.filter(c =>
          ours.has(c.name.replace(/^\/dbaas-/, '')),
        ),
        volumes: dockerLeft.volumes.filter(v =>
          ours.has(v.replace(/^dbaas-/, '').replace(/-(data|wal)$/, '')),
        ),
      }).catch(() => {});
    }
    await store?.end().catch(() => {});
    await dropSharedObjects(sharedUrl, `fs_${tag}_`).catch(() => {});
    await admin
      .query(`DROP DATABASE IF EXISTS "${storeDb}" WITH (FORCE)`)
      .catch(() => {});
    await admin.end();
    for (const m of mounts) {
      try {
        execFileSync('umount', [m]);
      } catch {
        // busy: the servers are stopped above
      }
    }
    for (const d of dataDirs) fs.rmSync(d, { recursive: true, force: true });
    if (!violations) fs.rmSync(workDir, { recursive: true, force: true });
    else console.log(`fault-suite: logs and journal kept in ${workDir}`);
  }
  console.log(
    `fault-suite: ${violations ? `${violations} violations` : 'no violation'}`,
  );
  process.exit(violations ? 1 : 0);
}

main().catch(error => {
  console.error(error);
  ReplicaProcess.killAll().finally(() => process.exit(1));
});
