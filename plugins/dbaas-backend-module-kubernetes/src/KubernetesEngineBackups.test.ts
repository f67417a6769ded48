import Docker from 'dockerode';
import { execFileSync } from 'child_process';
import { createHash, randomBytes, randomUUID } from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import {
  BaseBackupResult,
  EngineSecrets,
  EngineSpec,
  HostRef,
  MANAGED_BY,
  RuntimeFault,
  WAL_SPOOL_PATH,
} from '@dbaas/plugin-dbaas-node';
import {
  mariadbFlavor,
  postgresFlavor,
} from '@dbaas/plugin-dbaas-node/testUtils';
import { ConfigReader } from '@backstage/config';
import { readKubernetesRuntimeConfig } from './config';
import { KubernetesClusters } from './KubernetesCluster';
import { KubeApiStub, podIn } from './__testUtils__/KubeApiStub';
import {
  docker,
  newSecrets,
  podHost,
  requireDocker,
  runtimeAt,
  startPodContainer,
  stepContext,
  TEST_NAMESPACE,
  untilHealthy,
} from './__testUtils__/podContainer';

jest.setTimeout(180_000);

/*
 * Backups and restores of PostgreSQL on Kubernetes, through client-node's exec against the
 * API stub, which runs each command with `docker exec` in real containers of the image standing
 * in for the pods: the source's pod (its WAL spool on a volume, as the `-wal` claim), and the
 * pods of two restored instances, started in the image's restore mode as the StatefulSet a
 * restore applies makes them. Everything started here is removed after the file.
 */

const flavor = { ...postgresFlavor, image: 'dbaas/postgresql:15' };
const namespace = TEST_NAMESPACE;
const sourceId = '7d1c2a4e-8d7b-4a53-9a51-2f8e0c7d1b23';
const spec = (instanceId: string): EngineSpec => ({
  instanceId,
  flavor,
  storageGiB: 1,
  database: 'orders_db',
  username: 'orders_db_app',
});
const hostOf = (instanceId: string, name: string, walSpool = true) =>
  podHost(instanceId, name, walSpool ? { walSpool: true } : {});
const ctx = stepContext;
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

const suffix = randomUUID().slice(0, 8);
const started: Docker.Container[] = [];
const volumes: string[] = [];
/** pod name → the container standing in for it */
const pods = new Map<string, Docker.Container>();
let stub: KubeApiStub;
let url: string;
let walDir: string;

/** The container standing in for `pod`: with the WAL spool on a volume, or in restore mode. */
async function startPod(
  pod: string,
  secrets: EngineSecrets,
  options: { spool?: boolean; restoring?: boolean },
) {
  const binds: string[] = [];
  if (options.spool) {
    const volume = `dbaas-k8s-backup-test-${suffix}-${pod}-wal`;
    await docker.createVolume({
      Name: volume,
      Labels: { 'app.kubernetes.io/managed-by': MANAGED_BY },
    });
    volumes.push(volume);
    binds.push(`${volume}:${WAL_SPOOL_PATH}`);
  }
  const container = await startPodContainer({
    name: `dbaas-k8s-backup-test-${suffix}-${pod}`,
    image: flavor.image,
    memoryMiB: flavor.memoryMiB,
    database: 'orders_db',
    username: 'orders_db_app',
    secrets,
    env: [
      ...(options.spool ? [`DBAAS_WAL_SPOOL=${WAL_SPOOL_PATH}`] : []),
      ...(options.restoring ? ['DBAAS_RESTORE_WAIT=true'] : []),
    ],
    binds,
  });
  started.push(container);
  pods.set(pod, container);
  return container;
}

const runtime = () => runtimeAt(url);
const backups = () => runtime().engine.backups!;

const source = hostOf(sourceId, 'orders-db');
const sourceSecrets = newSecrets();
const sql = (host: HostRef, instanceId: string, text: string) =>
  runtime().engine.admin!.query(host, spec(instanceId), sourceSecrets, text);

/** Ships every file in the source's spool to walDir, as the Manager's LogShipper does. */
async function ship() {
  const files = await backups().archivedWal(source, spec(sourceId));
  for (const file of files) {
    await pipeline(
      await file.open(),
      fs.createWriteStream(path.join(walDir, file.name)),
    );
    await file.remove();
  }
  return files;
}

beforeAll(async () => {
  await requireDocker();
  walDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbaas-k8s-wal-'));
  stub = new KubeApiStub();
  url = await stub.start();
  stub.pod = (ns, name) =>
    ns === namespace && pods.has(name) ? podIn('ready', ns, name) : undefined;
  stub.execContainer = (ns, pod, container) =>
    ns === namespace && container === 'postgresql'
      ? pods.get(pod)?.id
      : undefined;
  await untilHealthy(
    await startPod('dbaas-orders-db-0', sourceSecrets, { spool: true }),
  );
});

afterAll(async () => {
  await stub?.stop();
  for (const container of started) {
    await container.remove({ force: true, v: true }).catch(() => {});
  }
  for (const volume of volumes) {
    await docker
      .getVolume(volume)
      .remove()
      .catch(() => {});
  }
  if (walDir) fs.rmSync(walDir, { recursive: true, force: true });
});

/** The entries of a tar file (GNU tar's listing). */
function tarEntries(file: string): string[] {
  return execFileSync('tar', ['-tf', file], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map(name => name.replace(/^\.\//, ''));
}

describe('backups on the Kubernetes runtime (PostgreSQL, through the pod exec API)', () => {
  let backupFile: string;
  let backupResult: BaseBackupResult;
  let t1: Date;
  let afterT2: Date;
  let logEndsAt: Date;

  it('takes a base backup streamed out of the pod, and lists, reads and removes the spool files', async () => {
    await sql(
      source,
      sourceId,
      'CREATE TABLE orders (id int PRIMARY KEY, note text)',
    );
    await sql(
      source,
      sourceId,
      'INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(1, 1000) g',
    );

    const execs = stub.execs.length;
    const backup = await backups().baseBackup(
      source,
      spec(sourceId),
      sourceSecrets,
      ctx(),
    );
    backupFile = path.join(walDir, '..', `dbaas-k8s-base-${suffix}.tar`);
    await pipeline(backup.stream, fs.createWriteStream(backupFile));
    backupResult = await backup.result;
    expect(backupResult.startWalFile).toMatch(/^[0-9A-F]{24}$/);
    expect(backupResult.stoppedAt.getTime()).toBeGreaterThanOrEqual(
      backupResult.startedAt.getTime(),
    );
    const names = tarEntries(backupFile);
    expect(names).toEqual(
      expect.arrayContaining([
        'backup_label',
        'PG_VERSION',
        'global/pg_control',
      ]),
    );
    expect(names.some(n => n.startsWith('pg_wal/0'))).toBe(false);
    expect(stub.execs.slice(execs).map(e => e.command[0])).toContain(
      'dbaas-basebackup.sh',
    );
    // nothing secret on a command line the API server's audit log would record
    for (const exec of stub.execs) {
      expect(exec.command.join(' ')).not.toContain(sourceSecrets.adminPassword);
    }

    // the backup waited until its last WAL file was archived into the spool
    const files = await backups().archivedWal(source, spec(sourceId));
    const names2 = files.map(f => f.name);
    expect(names2).toContain(backupResult.stopWalFile);
    expect(names2.some(n => n.endsWith('.backup'))).toBe(true);
    expect([...names2].sort()).toEqual(names2);
    const segment = files.find(f => f.name === backupResult.stopWalFile)!;
    expect(segment.size).toBe(16 * 1024 * 1024);
    await pipeline(
      await segment.open(),
      fs.createWriteStream(path.join(walDir, segment.name)),
    );
    expect(fs.statSync(path.join(walDir, segment.name)).size).toBe(
      16 * 1024 * 1024,
    );
    await segment.remove();
    expect(
      (await backups().archivedWal(source, spec(sourceId))).map(f => f.name),
    ).not.toContain(segment.name);
    await ship();

    // writes between two moments, the WAL closed and shipped after each
    await sql(source, sourceId, "INSERT INTO orders VALUES (1001, 't1')");
    await sleep(1500);
    t1 = new Date();
    await sleep(1500);
    await sql(source, sourceId, "INSERT INTO orders VALUES (1002, 't2')");
    await sleep(1500);
    afterT2 = new Date();
    await sleep(500);
    await backups().closeLog!(source, spec(sourceId), sourceSecrets);
    for (let i = 0; i < 40; i++) {
      const shipped = await ship();
      if (shipped.length > 0) {
        logEndsAt = shipped[shipped.length - 1].archivedAt!;
        break;
      }
      await sleep(250);
    }
    expect(logEndsAt.getTime()).toBeGreaterThan(afterT2.getTime());
  });

  async function restored(name: string, targetTime: Date) {
    const instanceId = randomUUID();
    const host = hostOf(instanceId, name);
    const secrets = newSecrets();
    await startPod(`dbaas-${name}-0`, secrets, { restoring: true });
    const result = await backups().restore(
      host,
      spec(instanceId),
      secrets,
      {
        backup: fs.createReadStream(backupFile),
        walDir,
        targetTime,
        backupStoppedAt: backupResult.stoppedAt,
        logEndsAt,
      },
      ctx(),
    );
    const set = stub.objects.get(`statefulsets/${namespace}/dbaas-${name}`)!;
    const container = set.spec.template.spec.containers[0];
    expect(container.env).toContainEqual({
      name: 'DBAAS_RESTORE_WAIT',
      value: 'true',
    });
    expect(container.livenessProbe).toBeUndefined();
    // the restored server answers with the new instance's own admin password
    const rows = await runtime().engine.admin!.query(
      host,
      spec(instanceId),
      secrets,
      'SELECT id, note FROM orders ORDER BY id',
    );
    const recovery = await runtime().engine.admin!.query(
      host,
      spec(instanceId),
      secrets,
      'SELECT pg_is_in_recovery()::text',
    );
    const log = (
      await pods.get(`dbaas-${name}-0`)!.logs({ stdout: true, stderr: true })
    ).toString('utf8');
    return { rows, result, recovery, log, host, instanceId, secrets };
  }

  it('restores into a new instance to a moment between two commits: exactly the rows up to it', async () => {
    const { rows, result, recovery, log } = await restored('orders-pit', t1);
    expect(recovery).toEqual([['false']]);
    expect(log).toContain('recovery stopping before commit');
    expect(log).not.toContain('the server stopped during the restore');
    expect(rows).toHaveLength(1001);
    expect(rows[0]).toEqual(['1', 'c4ca4238a0b923820dcc509a6f75849b']);
    expect(rows[rows.length - 1]).toEqual(['1001', 't1']);
    expect(result.lastTransactionAt!.getTime()).toBeLessThan(t1.getTime());
  });

  it('restores to a moment after the last commit (inside the shipped log): every row, recovering to the end of the log', async () => {
    const { rows, result, log, host, instanceId, secrets } = await restored(
      'orders-end',
      afterT2,
    );
    // the first recovery ended short of the target; the pod waited, and the second went to the end
    expect(log).toContain(
      'recovery ended before configured recovery target was reached',
    );
    expect(log).toContain('entrypoint: the server stopped during the restore');
    expect(rows).toHaveLength(1002);
    expect(rows.slice(-2)).toEqual([
      ['1001', 't1'],
      ['1002', 't2'],
    ]);
    expect(result.lastTransactionAt!.getTime()).toBeGreaterThan(t1.getTime());

    // the Manager's next step: deploy applies the StatefulSet as usual
    await runtime().engine.deploy(host, spec(instanceId), secrets, ctx());
    const container = stub.objects.get(
      `statefulsets/${namespace}/dbaas-orders-end`,
    )!.spec.template.spec.containers[0];
    expect(container.env.map((e: { name: string }) => e.name)).not.toContain(
      'DBAAS_RESTORE_WAIT',
    );
    expect(container.env).toContainEqual({
      name: 'DBAAS_WAL_SPOOL',
      value: WAL_SPOOL_PATH,
    });
    expect(container.livenessProbe).toBeDefined();
    // a restart of the restored server (the variable still set here) starts it as usual
    await pods.get('dbaas-orders-end-0')!.restart();
    await untilHealthy(pods.get('dbaas-orders-end-0')!);
    await expect(
      runtime().engine.admin!.query(
        host,
        spec(instanceId),
        secrets,
        'SELECT count(*) FROM orders',
      ),
    ).resolves.toEqual([['1002']]);
  });

  it('refuses what it cannot do with typed faults', async () => {
    const b = backups();
    await expect(
      b.baseBackup(
        hostOf(sourceId, 'orders-db', false),
        spec(sourceId),
        sourceSecrets,
        ctx(),
      ),
    ).rejects.toMatchObject({
      code: 'ENGINE_UNAVAILABLE',
      message: expect.stringMatching(/without a WAL spool claim/),
    });
    await expect(
      b.archivedWal(hostOf(sourceId, 'orders-db', false), spec(sourceId)),
    ).resolves.toEqual([]);
    const mysql = {
      ...spec(sourceId),
      flavor: { ...mariadbFlavor, engine: 'mysql' as const },
    };
    await expect(
      b.baseBackup(source, mysql, sourceSecrets, ctx()),
    ).rejects.toMatchObject({
      code: 'ENGINE_UNAVAILABLE',
      message: expect.stringMatching(/only of PostgreSQL and MariaDB/),
    });
    await expect(b.archivedWal(source, mysql)).resolves.toEqual([]);

    const restore = (name: string, targetTime?: Date) =>
      b.restore(
        hostOf(randomUUID(), name),
        spec(sourceId),
        newSecrets(),
        {
          backup: fs.createReadStream(backupFile),
          walDir,
          targetTime,
          backupStoppedAt: backupResult.stoppedAt,
        },
        ctx(),
      );
    // the StatefulSet of a restored instance exists already
    await expect(restore('orders-pit')).rejects.toMatchObject({
      code: 'ENGINE_START_FAILED',
      message: expect.stringMatching(/a restore needs a new instance/),
    });
    // a claim that holds a database already (its pod initialized one): refused, scaled to 0
    await untilHealthy(await startPod('dbaas-orders-used-0', newSecrets(), {}));
    const backup = fs.createReadStream(backupFile);
    await expect(
      b.restore(
        hostOf(randomUUID(), 'orders-used'),
        spec(sourceId),
        newSecrets(),
        { backup, walDir, backupStoppedAt: backupResult.stoppedAt },
        ctx(),
      ),
    ).rejects.toMatchObject({
      code: 'ENGINE_START_FAILED',
      message:
        'a restore needs a new instance: the claim dbaas-orders-used-data already holds a data directory',
    });
    expect(backup.destroyed).toBe(true);
    expect(
      stub.objects.get(`statefulsets/${namespace}/dbaas-orders-used`)!.spec
        .replicas,
    ).toBe(0);

    const before = new Date(backupResult.stoppedAt.getTime() - 60_000);
    const fault = await restore('orders-early', before).catch(e => e);
    expect(fault).toBeInstanceOf(RuntimeFault);
    expect(fault).toMatchObject({ code: 'RESTORE_OUTSIDE_WINDOW' });
    expect(
      stub.objects.has(`statefulsets/${namespace}/dbaas-orders-early`),
    ).toBe(false);
  });
});

describe('KubernetesCluster.execStream (what the backups stream through)', () => {
  const pod = {
    namespace,
    name: 'dbaas-orders-db-0',
    container: 'postgresql',
  };
  const cluster = () =>
    new KubernetesClusters(
      readKubernetesRuntimeConfig(
        new ConfigReader({
          cluster: { url, token: 'test-token', skipTLSVerify: true },
        }),
      ).clusters,
    ).get('default');

  afterEach(() => {
    stub.execProtocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
  });

  it('holds back output the reader has not taken (the WebSocket paused), and delivers all of it', async () => {
    const size = 48 * 1024 * 1024;
    const run = await cluster().execStream(pod, [
      'head',
      '-c',
      String(size),
      '/dev/zero',
    ]);
    await sleep(1500);
    // what the command wrote waits outside this process, not in the stream's buffer
    expect(run.stdout.readableLength).toBeLessThan(4 * 1024 * 1024);
    let bytes = 0;
    for await (const chunk of run.stdout) bytes += (chunk as Buffer).length;
    expect(bytes).toBe(size);
    await expect(run.exitCode).resolves.toBe(0);
  });

  it.each(['v5.channel.k8s.io', 'v4.channel.k8s.io'])(
    'streams a large standard input, never closed, to a command that knows its length (%s)',
    async protocol => {
      stub.execProtocols = [protocol];
      const data = randomBytes(12 * 1024 * 1024 + 123);
      const chunks = Array.from({ length: 13 }, (_, i) =>
        data.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024),
      );
      const run = await cluster().execStream(
        pod,
        ['sh', '-c', `head -c ${data.length} | md5sum`],
        { stdin: Readable.from(chunks) },
      );
      let out = '';
      for await (const chunk of run.stdout) out += chunk.toString();
      await expect(run.exitCode).resolves.toBe(0);
      expect(out.split(' ')[0]).toBe(
        createHash('md5').update(data).digest('hex'),
      );
    },
  );

  it('ends the session when the reader gives up, and a cancelled backup errors its stream', async () => {
    const run = await cluster().execStream(pod, [
      'sh',
      '-c',
      'echo started; sleep 20',
    ]);
    for await (const chunk of run.stdout) {
      expect(chunk.toString()).toContain('started');
      break; // destroys the stream
    }
    await expect(run.exitCode).rejects.toMatchObject({
      code: 'HOST_UNAVAILABLE',
    });

    const abort = new AbortController();
    const backup = await backups().baseBackup(
      source,
      spec(sourceId),
      sourceSecrets,
      {
        ...ctx(),
        signal: abort.signal,
      },
    );
    backup.stream.once('data', () => abort.abort());
    const read = new Promise((resolve, reject) => {
      backup.stream.on('error', reject);
      backup.stream.on('end', resolve);
      backup.stream.resume();
    });
    await expect(read).rejects.toThrow('the backup was cancelled');
    await expect(backup.result).rejects.toThrow('the backup was cancelled');
    // the next one succeeds
    const again = await backups().baseBackup(
      source,
      spec(sourceId),
      sourceSecrets,
      ctx(),
    );
    again.stream.resume();
    await expect(again.result).resolves.toMatchObject({
      startWalFile: expect.stringMatching(/^[0-9A-F]{24}$/),
    });
  });
});
