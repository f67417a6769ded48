import { Credentials, Engine } from '@dbaas/plugin-dbaas-common';
import {
  LABEL_INSTANCE,
  LABEL_MANAGED_BY,
  MANAGED_BY,
} from '@dbaas/plugin-dbaas-node';
import Docker from 'dockerode';
import fs from 'fs';
import os from 'os';
import path from 'path';
import request from 'supertest';
import { as, deleteAndWait, postInstance } from '../__testUtils__/managerApi';
import { appSql } from '../__testUtils__/appSql';
import { backUp, runningInstance, snapshot } from '../__testUtils__/backupApi';
import { containerOutput } from '../__testUtils__/containerOutput';
import { dockerFlavor, mariadbFlavor } from '../__testUtils__/fixtures';
import { ownerRulePermissions } from '../__testUtils__/ownerPolicy';
import { startTestManager, TestManager } from '../testUtils';

jest.setTimeout(300_000);

const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const asAlice = as('alice');
const flavor = {
  ...dockerFlavor,
  memoryMiB: 512,
  storageGiB: { min: 1, max: 10, default: 1 },
};

const mariadb = {
  ...mariadbFlavor,
  id: 'mariadb-10-11-docker',
  memoryMiB: 512,
  storageGiB: { min: 1, max: 10, default: 1 },
};

const sql = (c: Credentials, text: string, engine: Engine = 'postgresql') =>
  appSql(engine, c, text);

/** The Docker containers and volumes the runtime made for an instance. */
async function ours(instanceId: string) {
  const filters = {
    label: [
      `${LABEL_MANAGED_BY}=${MANAGED_BY}`,
      `${LABEL_INSTANCE}=${instanceId}`,
    ],
  };
  const containers = await docker.listContainers({ all: true, filters });
  const { Volumes } = await docker.listVolumes({ filters });
  return [
    ...containers.map(c => c.Names[0]),
    ...(Volumes ?? []).map(v => v.Name),
  ].sort();
}

describe('backups and restores on the Docker runtime', () => {
  let manager: TestManager;
  let storeDir: string;
  const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

  beforeAll(async () => {
    await docker.ping();
    await docker.getImage(flavor.image).inspect(); // images/build.sh postgresql-15
    storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbaas-docker-backups-'));
    manager = await startTestManager({
      features: [ownerRulePermissions().factory],
      dbaas: {
        defaultRuntime: 'docker',
        flavors: [flavor, mariadb],
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
        backups: { store: { type: 'filesystem', directory: storeDir } },
      },
    });
  });

  afterAll(async () => {
    const { body } = await request(manager.server)
      .get('/api/dbaas/instances?limit=500')
      .set('Authorization', asAlice);
    for (const { id } of body.items ?? []) {
      await deleteAndWait(manager.server, asAlice, id);
    }
    await manager.stop();
    fs.rmSync(storeDir, { recursive: true, force: true });
  });

  it('PostgreSQL: backs up, restores a backup exactly, and restores to a moment between two commits', async () => {
    const { server } = manager;
    const source = await runningInstance(server, {
      name: 'pgsrc',
      flavorId: flavor.id,
    });
    // the WAL spool is a volume of the instance's own, beside its data
    expect(await ours(source.id)).toEqual([
      `/dbaas-${source.id}`,
      `dbaas-${source.id}-data`,
      `dbaas-${source.id}-wal`,
    ]);
    await sql(
      source.creds,
      'CREATE TABLE events (id INT PRIMARY KEY, note TEXT)',
    );
    await sql(
      source.creds,
      "INSERT INTO events VALUES (1, 'one'), (2, 'two'), (3, 'three')",
    );
    const atFirst = await snapshot('postgresql', source.creds);

    const first = await backUp(server, source.id);
    expect(first).toMatchObject({
      status: 'completed',
      kind: 'full',
      instanceId: source.id,
      fault: null,
    });
    expect(first.size).toBeGreaterThan(0);

    // t4 and t5, seconds apart; the second backup closes and ships the log holding them
    await sql(source.creds, "INSERT INTO events VALUES (4, 'four')");
    const t4 = Date.now();
    await sleep(2100);
    await sql(source.creds, "INSERT INTO events VALUES (5, 'five')");
    const second = await backUp(server, source.id);
    expect(second.status).toBe('completed');
    expect((await snapshot('postgresql', source.creds)).ids).toEqual([
      1, 2, 3, 4, 5,
    ]);

    // a backup alone: exactly the rows it held, in a new database with its own credentials
    const fromFirst = await runningInstance(server, {
      name: 'pgcopy',
      flavorId: flavor.id,
      restoreFrom: { backupId: first.id },
    });
    expect(fromFirst.creds.password).not.toBe(source.creds.password);
    expect(fromFirst.creds.database).toBe(source.creds.database);
    expect(await snapshot('postgresql', fromFirst.creds)).toEqual(atFirst);
    // no recovery settings, restored WAL or trust rule left; restarted like any other
    expect(
      await containerOutput(fromFirst.id, [
        'bash',
        '-c',
        'ls $PGDATA /var/lib/dbaas; cat $PGDATA/pg_hba.conf',
      ]),
    ).not.toMatch(/recovery|restore/);
    expect(
      (await docker.getContainer(`dbaas-${fromFirst.id}`).inspect()).HostConfig
        .RestartPolicy,
    ).toMatchObject({ Name: 'unless-stopped' });

    // between t4 and t5: exactly the rows up to t4
    const pitr = await runningInstance(server, {
      name: 'pgpitr',
      flavorId: flavor.id,
      restoreFrom: {
        instanceId: source.id,
        pointInTime: new Date(t4 + 1000).toISOString(),
      },
    });
    expect((await snapshot('postgresql', pitr.creds)).ids).toEqual([
      1, 2, 3, 4,
    ]);
    // the restored database is a database of its own, and archives its own WAL
    await sql(pitr.creds, "INSERT INTO events VALUES (6, 'six')");
    expect((await snapshot('postgresql', source.creds)).ids).toEqual([
      1, 2, 3, 4, 5,
    ]);
    const ofPitr = await backUp(server, pitr.id);
    expect(ofPitr.status).toBe('completed');

    // the window's first moment is the first backup's end: that backup, exactly
    const atStart = await runningInstance(server, {
      name: 'pgstart',
      flavorId: flavor.id,
      restoreFrom: { instanceId: source.id, pointInTime: first.restorableFrom },
    });
    expect(await snapshot('postgresql', atStart.creds)).toEqual(atFirst);

    // deleted, nothing of theirs is left on Docker
    for (const { id } of [fromFirst, pitr, atStart, source]) {
      await deleteAndWait(server, asAlice, id);
      expect(await ours(id)).toEqual([]);
    }
  });

  it('MariaDB: backs up the application database and restores a backup exactly', async () => {
    const { server } = manager;
    const source = await runningInstance(server, {
      name: 'mdbsrc',
      flavorId: mariadb.id,
    });
    const my = (c: Credentials, text: string) => sql(c, text, 'mariadb');
    await my(
      source.creds,
      'CREATE TABLE events (id INT PRIMARY KEY, note TEXT)',
    );
    await my(
      source.creds,
      "INSERT INTO events VALUES (1, 'one'), (2, 'two'), (3, 'three')",
    );
    const atFirst = await snapshot('mariadb', source.creds);
    const first = await backUp(server, source.id);
    expect(first).toMatchObject({ status: 'completed', fault: null });
    await my(source.creds, "INSERT INTO events VALUES (4, 'four')");

    const copy = await runningInstance(server, {
      name: 'mdbcopy',
      flavorId: mariadb.id,
      restoreFrom: { backupId: first.id },
    });
    expect(copy.creds.password).not.toBe(source.creds.password);
    expect(await snapshot('mariadb', copy.creds)).toEqual(atFirst);
    // a Docker backup (a logical dump) restores on Docker only
    const elsewhere = await postInstance(server, asAlice, {
      name: 'mdbelsewhere',
      owner: 'team-a',
      flavorId: mariadb.id,
      runtime: 'local',
      restoreFrom: { backupId: first.id },
    });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error.message).toMatch(
      /^runtime: .*'s backups were taken on the docker runtime and restore only there \(got local\)$/,
    );
    await my(copy.creds, "INSERT INTO events VALUES (5, 'five')");

    // deleted (each after a final backup), nothing of theirs is left on Docker
    for (const { id } of [copy, source]) {
      await deleteAndWait(server, asAlice, id);
      expect(await ours(id)).toEqual([]);
    }
  });
});
