import Docker from 'dockerode';
import { execFileSync } from 'child_process';
import { randomUUID } from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { pipeline } from 'stream/promises';
import {
  BaseBackupResult,
  EngineSecrets,
  EngineSpec,
  HostRef,
} from '@dbaas/plugin-dbaas-node';
import { mariadbFlavor } from '@dbaas/plugin-dbaas-node/testUtils';
import { KubeApiStub, podIn } from './__testUtils__/KubeApiStub';
import {
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
 * MariaDB's backups on Kubernetes through client-node's exec against the API stub, which runs
 * each command with `docker exec` in real containers of the image standing in for the pods: the
 * source's, and the restored instance's (deployed as usual, then loaded). Removed after the file.
 */

const flavor = { ...mariadbFlavor, memoryMiB: 512 };
const namespace = TEST_NAMESPACE;
const spec = (instanceId: string): EngineSpec => ({
  instanceId,
  flavor,
  storageGiB: 1,
  database: 'shop',
  username: 'shop_app',
});
const hostOf = (instanceId: string, name: string) => podHost(instanceId, name);
const ctx = stepContext;

const suffix = randomUUID().slice(0, 8);
const pods = new Map<string, Docker.Container>();
let stub: KubeApiStub;
let url: string;
let dir: string;

async function startPod(pod: string, secrets: EngineSecrets) {
  const container = await startPodContainer({
    name: `dbaas-k8s-mariadb-test-${suffix}-${pod}`,
    image: flavor.image,
    memoryMiB: flavor.memoryMiB,
    database: 'shop',
    username: 'shop_app',
    secrets,
  });
  pods.set(pod, container);
  await untilHealthy(container);
}

const runtime = () => runtimeAt(url);

beforeAll(async () => {
  await requireDocker();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbaas-k8s-mariadb-'));
  stub = new KubeApiStub();
  url = await stub.start();
  stub.pod = (ns, name) =>
    ns === namespace && pods.has(name) ? podIn('ready', ns, name) : undefined;
  stub.execContainer = (ns, pod, container) =>
    ns === namespace && container === 'mariadb' ? pods.get(pod)?.id : undefined;
});

afterAll(async () => {
  await stub?.stop();
  for (const container of pods.values()) {
    await container.remove({ force: true, v: true }).catch(() => {});
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('MariaDB backups on the Kubernetes runtime (through the pod exec API)', () => {
  it('dumps the application database out of the pod and loads it into a new instance exactly', async () => {
    const sourceId = randomUUID();
    const source = hostOf(sourceId, 'shop');
    const sourceSecrets = newSecrets();
    await startPod('dbaas-shop-0', sourceSecrets);
    const admin = runtime().engine.admin!;
    const sql = (host: HostRef, id: string, s: EngineSecrets, text: string) =>
      admin.query(host, spec(id), s, text);
    await sql(
      source,
      sourceId,
      sourceSecrets,
      'CREATE TABLE items (id int PRIMARY KEY, note varchar(64))',
    );
    await sql(
      source,
      sourceId,
      sourceSecrets,
      "INSERT INTO items VALUES (1, 'one'), (2, 'two'), (3, 'it''s three')",
    );

    const backups = runtime().engine.backups!;
    const backup = await backups.baseBackup(
      source,
      spec(sourceId),
      sourceSecrets,
      ctx(),
    );
    const file = path.join(dir, 'backup.tar');
    await pipeline(backup.stream, fs.createWriteStream(file));
    const result: BaseBackupResult = await backup.result;
    expect(result.selfContained).toBe(true);
    expect(result.stoppedAt.getTime()).toBeLessThanOrEqual(Date.now());
    // the Docker runtime's format: a tar of the one dump file
    expect(
      execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim(),
    ).toBe('dbaas-backup.sql');
    const dump = execFileSync('tar', ['-xOf', file], { encoding: 'utf8' });
    expect(dump).toContain('CREATE TABLE `items`');
    expect(dump).not.toContain(sourceSecrets.adminPassword);
    // nothing is left behind in the pod, and no log is archived
    await expect(backups.archivedWal(source, spec(sourceId))).resolves.toEqual(
      [],
    );
    await sql(
      source,
      sourceId,
      sourceSecrets,
      "INSERT INTO items VALUES (4, 'after')",
    );

    const copyId = randomUUID();
    const copy = hostOf(copyId, 'shop-copy');
    const copySecrets = newSecrets();
    await startPod('dbaas-shop-copy-0', copySecrets);
    await expect(
      backups.restore(
        copy,
        spec(copyId),
        copySecrets,
        {
          backup: fs.createReadStream(file),
          walDir: dir,
          backupStoppedAt: result.stoppedAt,
        },
        ctx(),
      ),
    ).resolves.toEqual({});
    // deployed as usual (no restore mode: MariaDB initializes and then loads the dump)
    const set = stub.objects.get(`statefulsets/${namespace}/dbaas-shop-copy`)!;
    expect(JSON.stringify(set)).not.toContain('DBAAS_RESTORE_WAIT');
    await expect(
      sql(copy, copyId, copySecrets, 'SELECT id, note FROM items ORDER BY id'),
    ).resolves.toEqual([
      ['1', 'one'],
      ['2', 'two'],
      ['3', "it's three"],
    ]);
    const grants = await sql(
      copy,
      copyId,
      copySecrets,
      "SHOW GRANTS FOR 'shop_app'@'%'",
    );
    expect(JSON.stringify(grants)).toContain('ALL PRIVILEGES ON `shop`.*');

    // a dump has no moments after it to restore to
    await expect(
      backups.restore(
        hostOf(randomUUID(), 'shop-later'),
        spec(copyId),
        newSecrets(),
        {
          backup: fs.createReadStream(file),
          walDir: dir,
          targetTime: new Date(result.stoppedAt.getTime() + 3600_000),
          backupStoppedAt: result.stoppedAt,
        },
        ctx(),
      ),
    ).rejects.toMatchObject({ code: 'RESTORE_OUTSIDE_WINDOW' });
  });
});
