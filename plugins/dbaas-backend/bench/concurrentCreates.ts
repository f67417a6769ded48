/*
 * Benchmark: 20 concurrent creates per engine on one host, through the REST API of one
 * Manager, on the local runtime and (when a Docker engine answers) on the Docker runtime.
 * For each engine and runtime: one create alone (POST → running → its credentials connect),
 * then 20 creates at once. Checks that all 20 end `running`, that each accepts a connection
 * with its own credentials and keeps a row of its own, and that no two share a port, a data
 * directory or a container. Prints the wall time of the 20 against 20 × the single create
 * (the ratio: how well the Manager overlaps the work; 1.0 would be no overlap at all).
 *
 *   yarn workspace @dbaas/plugin-dbaas-backend bench:concurrent [count] [only]
 *
 * `only` picks the cases whose "runtime engine" contains it, e.g. `docker mariadb`.
 *
 * Everything it creates is deleted, and waited for, before it exits.
 */
import { mockCredentials } from '@backstage/backend-test-utils';
import { execFileSync } from 'child_process';
import Docker from 'dockerode';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { appSql } from '../src/__testUtils__/appSql';
import {
  dockerFlavor,
  mariadbFlavor,
  postgresFlavor,
} from '../src/__testUtils__/fixtures';
import { startTestManager } from '../src/testUtils';
import { managerFetch, printTable } from './report';

const COUNT = Number(process.argv[2] ?? 20);
/** Only the cases whose "runtime engine" contains this, e.g. `docker` or `local mariadb`. */
const ONLY = process.argv[3] ?? '';
const auth = `Bearer ${mockCredentials.user.token('user:default/alice')}`;
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const mariadbDocker = { ...mariadbFlavor, id: 'mariadb-10-11-docker' };

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

async function dockerAnswers() {
  try {
    await docker.ping();
    await docker.getImage(dockerFlavor.image).inspect();
    await docker.getImage(mariadbDocker.image).inspect();
    return true;
  } catch {
    return false;
  }
}

/** The data directories of the database servers running now (local runtime). */
function serverDataDirs(): string[] {
  let out = '';
  try {
    out = execFileSync(
      'pgrep',
      ['-af', 'postgres -D|mariadbd --defaults-file'],
      {
        encoding: 'utf8',
      },
    );
  } catch {
    return []; // none running
  }
  return out
    .split('\n')
    .map(l => / -D (\S+)/.exec(l)?.[1] ?? /--defaults-file=(\S+)/.exec(l)?.[1])
    .filter((d): d is string => !!d);
}

async function main() {
  const withDocker = await dockerAnswers();
  const manager = await startTestManager({
    dbaas: {
      flavors: [postgresFlavor, mariadbFlavor, dockerFlavor, mariadbDocker],
      quotas: { default: { maxInstances: 1000, maxStorageGiB: 100000 } },
      rateLimit: { creates: { limit: 10000 } },
      ...(withDocker
        ? {
            runtimes: {
              docker: {
                hosts: [
                  {
                    name: 'local-docker',
                    url: 'unix:///var/run/docker.sock',
                    publishAddress: '127.0.0.1',
                  },
                ],
              },
            },
          }
        : {}),
    },
  });
  const api = managerFetch(manager.baseUrl, auth);
  const created = new Set<string>();

  type Created = {
    id: string;
    ms: number;
    host: string;
    port: number;
  };

  /** POST → running → its credentials connect; then a row of its own written and read back. */
  const createOne = async (
    flavorId: string,
    runtime: string,
    engine: 'postgresql' | 'mariadb',
    name: string,
  ): Promise<Created> => {
    const started = performance.now();
    const post = await api('POST', '/instances', {
      name,
      owner: 'group:default/team-a',
      flavorId,
      runtime,
    });
    if (post.status !== 202) throw new Error(JSON.stringify(post.body));
    const id = post.body.id as string;
    created.add(id);
    for (;;) {
      const { body } = await api('GET', `/instances/${id}`);
      if (body.status === 'running') break;
      if (body.status === 'failed') {
        throw new Error(`${name}: failed ${JSON.stringify(body.fault)}`);
      }
      await sleep(50);
    }
    const { body: c } = await api('GET', `/instances/${id}/credentials`);
    /** SQL as its application user; a failure says at which step, and whether it answers a second later. */
    const sql = async (step: string, text: string) => {
      try {
        return await appSql(engine, c, text);
      } catch (error) {
        await sleep(1000);
        const later = await appSql(engine, c, 'SELECT 1').then(
          () => 'it answered 1 s later',
          () => 'not 1 s later either',
        );
        throw new Error(`${name}: ${step}: ${error} (${later})`);
      }
    };
    await sql('first connection once running', 'SELECT 1');
    const ms = performance.now() - started;
    // outside the timing: a row of its own, kept and read back with its own credentials
    await sql('create table', 'CREATE TABLE bench_marks (who VARCHAR(64))');
    await sql('insert', `INSERT INTO bench_marks VALUES ('${name}')`);
    const rows = await sql('read back', 'SELECT who FROM bench_marks');
    if (rows.length !== 1 || rows[0].who !== name) {
      throw new Error(`${name}: read back ${JSON.stringify(rows)}`);
    }
    return { id, ms, host: c.host, port: c.port };
  };

  const deleteAll = async (ids: string[]) => {
    for (const id of ids) {
      await api('DELETE', `/instances/${id}?skipFinalBackup=true`);
    }
    for (const id of ids) {
      for (let i = 0; ; i++) {
        if ((await api('GET', `/instances/${id}`)).status === 404) break;
        if (i > 3000) throw new Error(`instance ${id} not gone after 300 s`);
        await sleep(100);
      }
      created.delete(id);
    }
  };

  /** What two instances must not share on this runtime: [what, value] per instance. */
  const collisions = async (runtime: string, batch: Created[]) => {
    const found: string[] = [];
    const dupes = (what: string, values: string[]) => {
      const seen = new Set<string>();
      for (const v of values) {
        if (seen.has(v)) found.push(`${what} ${v}`);
        seen.add(v);
      }
    };
    dupes(
      'port',
      batch.map(b => `${b.host}:${b.port}`),
    );
    if (runtime === 'local') {
      // one running server per instance, each on a data directory of its own
      const dirs = serverDataDirs().filter(d =>
        batch.some(b => d.startsWith(path.join(manager.dataDir, b.id))),
      );
      dupes('data dir', dirs);
      const owners = new Set(
        batch.filter(b =>
          dirs.some(d => d.startsWith(path.join(manager.dataDir, b.id))),
        ),
      );
      if (owners.size !== batch.length) {
        found.push(
          `${
            batch.length - owners.size
          } instances without a server on their own data dir`,
        );
      }
    } else {
      const containers = await docker.listContainers({
        all: true,
        filters: {
          label: ['app.kubernetes.io/managed-by=backstage-dbaas'],
        },
      });
      const ours = batch.map(b =>
        containers.filter(c => c.Names.includes(`/dbaas-${b.id}`)),
      );
      ours.forEach((cs, i) => {
        if (cs.length !== 1) {
          found.push(`${batch[i].id}: ${cs.length} containers`);
        }
      });
      dupes(
        'container',
        ours.flat().map(c => c.Id),
      );
      const volumes = (
        await docker.listVolumes({
          filters: {
            label: ['app.kubernetes.io/managed-by=backstage-dbaas'],
          },
        })
      ).Volumes.map(v => v.Name).filter(v =>
        batch.some(b => v.startsWith(`dbaas-${b.id}-data`)),
      );
      dupes('data volume', volumes);
      if (volumes.length < batch.length) {
        found.push(`${batch.length - volumes.length} data volumes missing`);
      }
    }
    return found;
  };

  type Case = [string, string, 'postgresql' | 'mariadb', string];
  const all: Case[] = [
    ['local', 'PostgreSQL 17', 'postgresql', postgresFlavor.id],
    ['local', 'MariaDB 10.11', 'mariadb', mariadbFlavor.id],
    ...(withDocker
      ? ([
          ['docker', 'PostgreSQL 15', 'postgresql', dockerFlavor.id],
          ['docker', 'MariaDB 10.11', 'mariadb', mariadbDocker.id],
        ] as Case[])
      : []),
  ];
  const cases = all.filter(([runtime, , engine]) =>
    `${runtime} ${engine}`.includes(ONLY),
  );
  const rows: string[][] = [];
  let failed = false;
  try {
    for (const [runtime, label, engine, flavorId] of cases) {
      const tag = `${runtime}-${engine === 'postgresql' ? 'pg' : 'my'}`;
      const single = await createOne(
        flavorId,
        runtime,
        engine,
        `${tag}-single`,
      );
      await deleteAll([single.id]);

      const started = performance.now();
      const results = await Promise.allSettled(
        Array.from({ length: COUNT }, (_, i) =>
          createOne(flavorId, runtime, engine, `${tag}-${i}`),
        ),
      );
      const wall = performance.now() - started;
      const ok = results.flatMap(r =>
        r.status === 'fulfilled' ? [r.value] : [],
      );
      const errors = results.flatMap(r =>
        r.status === 'rejected' ? [String(r.reason?.message ?? r.reason)] : [],
      );
      const clashes = await collisions(runtime, ok);
      for (const e of [...errors, ...clashes])
        console.error(`${label} (${runtime}): ${e}`);
      if (errors.length || clashes.length) failed = true;
      rows.push([
        runtime,
        label,
        (single.ms / 1000).toFixed(2),
        `${ok.length}/${COUNT}`,
        String(clashes.length),
        (Math.max(...ok.map(o => o.ms)) / 1000).toFixed(2),
        (wall / 1000).toFixed(2),
        ((COUNT * single.ms) / 1000).toFixed(2),
        (wall / (COUNT * single.ms)).toFixed(2),
      ]);
      await deleteAll([...created]);
    }
    console.log(
      `${COUNT} concurrent creates per engine through the REST API of one Manager (${
        os.cpus().length
      } CPUs); each: POST → running → its credentials connect; all then keep a row of their own`,
    );
    printTable(
      [
        'runtime',
        'engine',
        'single s',
        'running',
        'collisions',
        'slowest s',
        `wall of ${COUNT} s`,
        `${COUNT} × single s`,
        'ratio',
      ],
      rows,
    );
    console.log(
      'ratio = wall time of the concurrent creates / (count × the single create); lower is more overlap',
    );
  } finally {
    await deleteAll([...created]).catch(e => {
      console.error(`clean-up: ${e}`);
    });
    await manager.stop();
    fs.rmSync(manager.dataDir, { recursive: true, force: true });
  }
  if (failed)
    throw new Error('not every create was running, accepting and apart');
}

main().then(
  // the backend's scheduler leaves timers behind
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
