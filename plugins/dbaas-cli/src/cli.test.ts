import { mockCredentials } from '@backstage/backend-test-utils';
import { Backup } from '@dbaas/plugin-dbaas-common';
import { startTestManager } from '@dbaas/plugin-dbaas-backend/testUtils';
import {
  makeDataDir,
  mariadbFlavor,
  postgresFlavor,
  until,
} from '@dbaas/plugin-dbaas-node/testUtils';
import { spawn } from 'child_process';
import { dockerObjectsOf, processesUsing } from 'e2e-tests';
import fs from 'fs';
import os from 'os';
import path from 'path';

jest.setTimeout(180_000);

const cliDir = path.dirname(require.resolve('@dbaas/dbaas-cli/package.json'));

describe('dbaas CLI against a running backend', () => {
  let env: NodeJS.ProcessEnv;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = makeDataDir('cli');
    // alice may create databases for her team; backups go to a store inside dataDir
    const { baseUrl } = await startTestManager({
      dataDir,
      dbaas: {
        flavors: [postgresFlavor, mariadbFlavor],
        backups: {
          store: { type: 'filesystem', directory: path.join(dataDir, 'store') },
        },
      },
    });
    env = {
      ...process.env,
      DBAAS_URL: baseUrl,
      DBAAS_TOKEN: mockCredentials.user.token('user:default/alice'),
      DBAAS_CONFIG: path.join(dataDir, 'no-config.json'),
    };
  });

  afterAll(async () => {
    // delete whatever is left (also after a failed test), and wait: no server outlives the test
    let left: Array<{ id: string; name: string }> = [];
    const seen = new Set<string>();
    for (let i = 0; i < 240; i++) {
      left = JSON.parse((await dbaas(['list', '--output', 'json'])).stdout);
      left.forEach(instance => seen.add(instance.id));
      if (left.length === 0) break;
      for (const { name } of left) await dbaas(['delete', name, '--yes']);
      await new Promise(r => setTimeout(r, 500));
    }
    const leftovers = {
      databases: left.map(i => i.name),
      // a server of this backend runs from a folder below dataDir
      servers: processesUsing(dataDir),
      docker: await dockerObjectsOf([...seen]),
    };
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (Object.values(leftovers).some(found => found.length > 0)) {
      throw new Error(
        `Left after the CLI tests: ${JSON.stringify(leftovers, null, 2)}`,
      );
    }
  });

  function dbaas(args: string[], input?: string) {
    return new Promise<{ code: number; stdout: string; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(
          process.execPath,
          [path.join(cliDir, 'bin/dbaas'), ...args],
          { env, cwd: cliDir },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', c => (stdout += c));
        child.stderr.on('data', c => (stderr += c));
        child.on('error', reject);
        child.on('exit', code => resolve({ code: code ?? -1, stdout, stderr }));
        child.stdin.end(input ?? '');
      },
    );
  }

  /** `dbaas create <name> --flavor <flavorId> --owner team-a --wait` */
  const createForTeamA = (name: string, flavorId: string) =>
    dbaas([
      'create',
      name,
      '--flavor',
      flavorId,
      '--owner',
      'team-a',
      '--wait',
    ]);

  /** The rows 'first', 'second' and 'third' of table t, as `dbaas connect` reads them. */
  const rows = async (name: string) =>
    (await dbaas(['connect', name], 'SELECT v FROM t ORDER BY v;\n')).stdout
      .split('\n')
      .map(line => line.trim())
      .filter(line => ['first', 'second', 'third'].includes(line));

  it('creates with --wait, keeps a row through connect, lists, and deletes', async () => {
    const caFilesBefore = fs
      .readdirSync(os.tmpdir())
      .filter(f => f.startsWith('dbaas-ca-'));
    const runtimes = await dbaas(['runtimes', '--output', 'json']);
    expect(JSON.parse(runtimes.stdout)).toEqual({
      defaultRuntime: 'local',
      items: [
        {
          name: 'local',
          flavorIds: ['postgresql-17-small', 'mariadb-10-11-small'],
        },
      ],
    });
    const flavors = await dbaas(['flavors', '--output', 'json']);
    expect(flavors.code).toBe(0);
    expect(JSON.parse(flavors.stdout).map((f: any) => f.id)).toEqual([
      'postgresql-17-small',
      'mariadb-10-11-small',
    ]);

    const created = await dbaas([
      'create',
      'cli-db',
      '--flavor',
      'postgresql-17-small',
      '--owner',
      'group:default/team-a',
      '--storage',
      '2',
      '--wait',
    ]);
    expect(created.stderr).toMatch(/cli-db: provisioning \(requested\) 0s/);
    expect(created.stderr).toMatch(/cli-db: running \d+s/);
    expect(created.code).toBe(0);

    const connected = await dbaas(
      ['connect', 'cli-db'],
      "CREATE TABLE t (v TEXT);\nINSERT INTO t VALUES ('kept');\nSELECT v FROM t;\nSELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid();\n",
    );
    expect(connected.code).toBe(0);
    expect(connected.stdout).toContain('kept');
    // over TLS, and the temporary CA file is gone
    expect(connected.stdout).toMatch(/^ t$/m);
    expect(
      fs.readdirSync(os.tmpdir()).filter(f => f.startsWith('dbaas-ca-')),
    ).toEqual(caFilesBefore);

    const listed = await dbaas(['list', '--output', 'json']);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({
        name: 'cli-db',
        status: 'running',
        storageGiB: 2,
      }),
    ]);
    const table = await dbaas(['list']);
    expect(table.stdout.split('\n')[0]).toMatch(
      /^NAME\s+OWNER\s+ENGINE\s+STATUS/,
    );

    const uri = await dbaas(['credentials', 'cli-db', '--format', 'uri']);
    expect(uri.stdout).toMatch(
      /^postgresql:\/\/cli_db_app:.+@127\.0\.0\.1:\d+\/cli_db\?sslmode=verify-full\n$/,
    );

    // the CA that `connect` verified the server with (sslmode=verify-full)
    const ca = await dbaas(['ca', 'cli-db']);
    expect(ca.code).toBe(0);
    expect(ca.stdout).toMatch(
      /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/,
    );

    const envFormat = await dbaas(['credentials', 'cli-db', '--format', 'env']);
    expect(envFormat.stdout).toMatch(
      /^DB_HOST='127\.0\.0\.1'\nDB_PORT='\d+'\nDB_NAME='cli_db'\nDB_USER='cli_db_app'\nDB_PASSWORD='.{24,}'\n/,
    );

    const events = await dbaas(['events', 'cli-db', '--output', 'json']);
    expect(JSON.parse(events.stdout).map((e: any) => e.type)).toContain(
      'phase',
    );

    const deleted = await dbaas(['delete', 'cli-db', '--yes']);
    expect(deleted.code).toBe(0);
    await until(
      'cli-db to be gone',
      async () => (await dbaas(['get', 'cli-db'])).code,
      code => code === 2,
      { timeoutMs: 30_000, intervalMs: 500 },
    );
  });

  it("connects to MariaDB with the client verifying the server's certificate", async () => {
    const created = await createForTeamA('cli-maria', 'mariadb-10-11-small');
    if (created.code !== 0) throw new Error(`create failed: ${created.stderr}`);
    const connected = await dbaas(
      ['connect', 'cli-maria'],
      "CREATE TABLE t (v TEXT);\nINSERT INTO t VALUES ('kept');\nSELECT v FROM t;\nSHOW STATUS LIKE 'Ssl_version';\n",
    );
    expect(connected.code).toBe(0);
    expect(connected.stdout).toContain('kept');
    expect(connected.stdout).toMatch(/Ssl_version\s+TLSv1\.[23]/);
    const uri = await dbaas(['credentials', 'cli-maria', '--format', 'uri']);
    expect(uri.stdout).toMatch(/\?ssl-mode=VERIFY_IDENTITY\n$/);
    expect((await dbaas(['delete', 'cli-maria', '--yes'])).code).toBe(0);
  });

  it('refuses to delete when the typed name does not match', async () => {
    const created = await createForTeamA('keep-db', 'postgresql-17-small');
    expect(created.code).toBe(0);

    const refused = await dbaas(['delete', 'keep-db'], 'wrong-name\n');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'error: Not deleted: the name did not match',
    );

    expect((await dbaas(['delete', 'keep-db'], 'keep-db\n')).code).toBe(0);
  });

  it('stops, starts, restarts and rotates the credentials with --wait, keeping the data, and refuses what the state does not allow', async () => {
    expect((await createForTeamA('op-db', 'postgresql-17-small')).code).toBe(0);
    await dbaas(
      ['connect', 'op-db'],
      "CREATE TABLE t (v TEXT);\nINSERT INTO t VALUES ('first');\n",
    );

    const refused = await dbaas(['start', 'op-db']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'error: 409 Conflict: Only a stopped database can be started; op-db is running\n',
    );

    const stopped = await dbaas(['stop', 'op-db', '--wait']);
    expect(stopped.stderr).toMatch(
      /^op-db: running \(stop under way\) 0s\n(.+\n)*op-db: stopped \d+s\n$/,
    );
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/^op-db\s+\S+\s+stopped\s+-$/m);
    const get = await dbaas(['get', 'op-db']);
    expect(get.stdout.split('\n')[1]).toMatch(
      /^op-db\s+group:default\/team-a\s+postgresql 17\s+stopped\s/,
    );

    const started = await dbaas(['start', 'op-db', '--wait']);
    expect(started.stderr).toMatch(/op-db: running \d+s\n$/);
    expect(started.code).toBe(0);
    expect(await rows('op-db')).toEqual(['first']);

    const restarted = await dbaas([
      'restart',
      'op-db',
      '--wait',
      '--output',
      'json',
    ]);
    expect(restarted.stderr).toMatch(
      /^op-db: running \(restart under way\) 0s\n(.+\n)*op-db: running \d+s\n$/,
    );
    expect(restarted.code).toBe(0);
    expect(JSON.parse(restarted.stdout)).toMatchObject({
      status: 'running',
      operation: null,
    });
    expect(await rows('op-db')).toEqual(['first']);

    // the server's log: the restart is in it
    const logs = await dbaas(['logs', 'op-db', '--tail', '50']);
    expect(logs.code).toBe(0);
    expect(logs.stdout.split('\n').length).toBeGreaterThan(2);
    expect(logs.stdout).toMatch(
      /database system is ready to accept connections/,
    );
    const tooMany = await dbaas(['logs', 'op-db', '--tail', '5001']);
    expect(tooMany.code).not.toBe(0);
    expect(tooMany.stderr).toMatch(/--tail must be .* from 1 to 5000/);

    const events = JSON.parse(
      (await dbaas(['events', 'op-db', '--output', 'json'])).stdout,
    );
    expect(
      events
        .filter((e: any) => e.type === 'operation')
        .map((e: any) => e.message),
    ).toEqual([
      'stop requested by user:default/alice',
      'start requested by user:default/alice',
      'restart requested by user:default/alice',
    ]);

    // a new password; connect reads it and finds the rows
    const before = JSON.parse(
      (await dbaas(['credentials', 'op-db', '--format', 'json'])).stdout,
    );
    const rotated = await dbaas(['rotate-credentials', 'op-db', '--wait']);
    expect(rotated.code).toBe(0);
    const after = JSON.parse(
      (await dbaas(['credentials', 'op-db', '--format', 'json'])).stdout,
    );
    expect(after.password).not.toBe(before.password);
    expect(await rows('op-db')).toEqual(['first']);
    expect((await dbaas(['delete', 'op-db', '--yes'])).code).toBe(0);
  });

  it('shows the storage, sets auto-grow, and resizes with --wait, refusing to shrink', async () => {
    expect((await createForTeamA('size-db', 'postgresql-17-small')).code).toBe(
      0,
    );

    // not measured until the health reconcile has been round (every 30 s): '-' until then
    const shown = await dbaas(['storage', 'size-db', '--output', 'json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      name: 'size-db',
      storageGiB: 1,
      autoGrow: false,
      maxGiB: null,
      state: 'ok',
      readOnly: false,
    });
    const table = await dbaas(['storage', 'size-db']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      /^NAME\s+SIZE\s+USED\s+USED%\s+STATE\s+READ-ONLY\s+AUTO-GROW\nsize-db\s+1 GiB\s+([\d.]+ GiB\s+\d+%|-\s+-)\s+ok\s+no\s+off\n$/,
    );
    const listed = await dbaas(['get', 'size-db']);
    expect(listed.stdout.split('\n')[0]).toMatch(
      /\sSTORAGE\s+USED\s+ENDPOINT$/,
    );
    expect(listed.stdout.split('\n')[1]).toMatch(/\s1 GiB\s+(\d+%|-)\s/);

    const on = await dbaas([
      'storage',
      'size-db',
      '--auto-grow',
      'on',
      '--max',
      '3',
    ]);
    expect(on.code).toBe(0);
    expect(on.stdout).toMatch(/\son, up to 3 GiB\n$/);
    const tooMuch = await dbaas(['storage', 'size-db', '--max', '9']);
    expect(tooMuch.code).toBe(1);
    expect(tooMuch.stderr).toMatch(
      /^error: 400 Bad Request: storage\.maxGiB: must be between .+ \(got 9\)\n$/,
    );
    const flavorMax = await dbaas(['storage', 'size-db', '--max', 'flavor']);
    expect(flavorMax.stdout).toMatch(/\son, up to the flavor's max\n$/);
    const badChoice = await dbaas(['storage', 'size-db', '--auto-grow', 'yes']);
    expect(badChoice.code).toBe(2);

    const resized = await dbaas([
      'resize',
      'size-db',
      '--storage',
      '2',
      '--wait',
    ]);
    expect(resized.stderr).toMatch(
      /^size-db: running \(resize-storage under way\) 0s\n(.+\n)*size-db: running \d+s\n$/,
    );
    expect(resized.code).toBe(0);
    expect(resized.stdout).toMatch(/^size-db\s+\S+\s+running\s+2 GiB\s+-$/m);

    const shrink = await dbaas(['resize', 'size-db', '--storage', '1']);
    expect(shrink.code).toBe(1);
    expect(shrink.stderr).toBe(
      'error: 409 Conflict: storageGiB: storage only grows; size-db has 2 GiB (asked for 1)\n',
    );
    const notWhole = await dbaas(['resize', 'size-db', '--storage', '2.5']);
    expect(notWhole.code).toBe(2);

    const events = JSON.parse(
      (await dbaas(['events', 'size-db', '--output', 'json'])).stdout,
    );
    expect(events.map((e: any) => e.message)).toEqual(
      expect.arrayContaining([
        'storage resize from 1 to 2 GiB requested by user:default/alice',
      ]),
    );
    expect((await dbaas(['delete', 'size-db', '--yes'])).code).toBe(0);
  });

  it("makes and deletes databases and users with --wait, reveals a user's credentials, sets parameters and a maintenance window", async () => {
    expect((await createForTeamA('obj-db', 'postgresql-17-small')).code).toBe(
      0,
    );

    const db = await dbaas([
      'databases',
      'create',
      'obj-db',
      'sales',
      '--wait',
    ]);
    expect(db.stderr).toMatch(/obj-db: running \d+s\n$/);
    expect(db.code).toBe(0);
    expect(db.stdout).toMatch(/^sales\s+no\s+ready\s/m);
    const listed = await dbaas(['databases', 'obj-db']);
    expect(listed.stdout).toMatch(
      /^NAME\s+APPLICATION\s+STATUS\s+CREATED BY\n\S+\s+yes\s+ready\s.*\nsales\s+no\s+ready\s/,
    );

    const user = await dbaas([
      'users',
      'create',
      'obj-db',
      'reader',
      '--role',
      'readonly',
      '--database',
      'sales',
      '--wait',
    ]);
    expect(user.code).toBe(0);
    expect(user.stdout).toMatch(/^reader\s+readonly\s+sales\s+ready\s/m);
    const badRole = await dbaas([
      'users',
      'create',
      'obj-db',
      'writer',
      '--role',
      'admin',
    ]);
    expect(badRole.code).toBe(2);
    const users = JSON.parse(
      (await dbaas(['users', 'obj-db', '--output', 'json'])).stdout,
    );
    expect(users).toMatchObject([
      { name: 'reader', role: 'readonly', database: 'sales', status: 'ready' },
    ]);
    const credentials = JSON.parse(
      (
        await dbaas([
          'users',
          'credentials',
          'obj-db',
          'reader',
          '--format',
          'json',
        ])
      ).stdout,
    );
    expect(credentials).toMatchObject({
      username: 'reader',
      database: 'sales',
    });
    expect(credentials.password.length).toBeGreaterThan(8);
    const shell = await dbaas(['users', 'credentials', 'obj-db', 'reader']);
    expect(shell.stdout).toContain(`DB_PASSWORD='${credentials.password}'`);

    // the user still uses it
    const inUse = await dbaas([
      'databases',
      'delete',
      'obj-db',
      'sales',
      '--yes',
    ]);
    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toMatch(/^error: 409 Conflict: /);
    const gone = await dbaas(['users', 'delete', 'obj-db', 'reader', '--wait']);
    expect(gone.code).toBe(0);
    expect(gone.stderr).toMatch(/obj-db: user reader deleted\n$/);
    const notTyped = await dbaas(
      ['databases', 'delete', 'obj-db', 'sales'],
      'wrong\n',
    );
    expect(notTyped.code).toBe(2);
    const dropped = await dbaas(
      ['databases', 'delete', 'obj-db', 'sales', '--wait'],
      'sales\n',
    );
    expect(dropped.code).toBe(0);
    expect(
      JSON.parse((await dbaas(['databases', 'obj-db', '-o', 'json'])).stdout),
    ).toHaveLength(1);

    const set = await dbaas([
      'params',
      'obj-db',
      '--set',
      'max_connections=50',
      '--set',
      'work_mem=8',
      '--wait',
    ]);
    expect(set.stderr).toMatch(/obj-db: running \d+s\n$/);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(
      /^PARAMETER\s+VALUE\nmax_connections\s+50\nwork_mem\s+8\n$/,
    );
    const outOfRange = await dbaas([
      'params',
      'obj-db',
      '--set',
      'work_mem=9999',
    ]);
    expect(outOfRange.code).toBe(1);
    expect(outOfRange.stderr).toMatch(
      /^error: 400 Bad Request: parameters\.work_mem: must be a whole number from 1 to 2048/,
    );
    expect((await dbaas(['params', 'obj-db', '--set', 'work_mem'])).code).toBe(
      2,
    );
    const unset = await dbaas([
      'params',
      'obj-db',
      '--unset',
      'work_mem',
      '--wait',
    ]);
    expect(unset.code).toBe(0);
    expect(
      JSON.parse((await dbaas(['params', 'obj-db', '-o', 'json'])).stdout),
    ).toEqual({ max_connections: 50 });

    // a restart waits for a window that is not open now, and is cancelled
    const noWindow = await dbaas(['restart', 'obj-db', '--at', 'next-window']);
    expect(noWindow.code).toBe(1);
    expect(noWindow.stderr).toMatch(/^error: 409 Conflict: /);
    const hour = String((new Date().getUTCHours() + 12) % 24);
    const window = await dbaas([
      'maintenance',
      'obj-db',
      '--day',
      'daily',
      '--hour',
      hour,
      '--hours',
      '2',
    ]);
    expect(window.code).toBe(0);
    expect(window.stdout).toMatch(
      /^NAME\s+WINDOW\s+SCHEDULED\s+AT\nobj-db\s+daily \d\d:00-\d\d:00 UTC\s+-\s+-\n$/,
    );
    const later = await dbaas([
      'restart',
      'obj-db',
      '--at',
      'next-window',
      '--wait',
    ]);
    expect(later.code).toBe(0);
    expect(later.stderr).toMatch(
      /^obj-db: restart scheduled for the maintenance window opening \S+ \(dbaas maintenance obj-db --cancel to cancel it\)\n$/,
    );
    const shown = JSON.parse(
      (await dbaas(['maintenance', 'obj-db', '-o', 'json'])).stdout,
    );
    expect(shown.maintenanceWindow).toEqual({
      day: 'daily',
      hour: Number(hour),
      durationHours: 2,
    });
    expect(shown.scheduledOperation.operation.type).toBe('restart');
    const cancelled = await dbaas(['maintenance', 'obj-db', '--cancel']);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toMatch(/\nobj-db\s+daily \S+ UTC\s+-\s+-\n$/);
    expect((await dbaas(['maintenance', 'obj-db', '--cancel'])).code).toBe(1);
    const removed = await dbaas(['maintenance', 'obj-db', '--remove']);
    expect(removed.stdout).toMatch(/\nobj-db\s+none\s+-\s+-\n$/);
    expect(
      (
        await dbaas([
          'maintenance',
          'obj-db',
          '--day',
          'someday',
          '--hour',
          '3',
        ])
      ).code,
    ).toBe(2);

    // it runs its flavor's image already
    const upgrade = await dbaas(['upgrade', 'obj-db']);
    expect(upgrade.code).toBe(1);
    expect(upgrade.stderr).toMatch(/^error: 409 Conflict: /);
    expect((await dbaas(['delete', 'obj-db', '--yes'])).code).toBe(0);
  });

  it('backs up with --wait, lists with the recovery window, restores from a backup and to a moment, and deletes backups', async () => {
    const backupOf = async (name: string) => {
      const taken = await dbaas([
        'backup',
        'create',
        name,
        '--wait',
        '--output',
        'json',
      ]);
      expect(taken.stderr).toMatch(
        new RegExp(
          `^${name}: backup \\S+ running \\.+\n${name}: backup \\S+ completed \\d+s\n$`,
        ),
      );
      expect(taken.code).toBe(0);
      return JSON.parse(taken.stdout) as Backup;
    };

    expect((await createForTeamA('bk-src', 'postgresql-17-small')).code).toBe(
      0,
    );
    const empty = await dbaas(['backup', 'list', 'bk-src']);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toBe(
      'ID  STATUS  TRIGGER  SIZE  STARTED  RESTORABLE FROM\nRecovery window: no completed backup yet\n',
    );

    await dbaas(
      ['connect', 'bk-src'],
      "CREATE TABLE t (v TEXT);\nINSERT INTO t VALUES ('first');\n",
    );
    const first = await backupOf('bk-src');
    expect(first).toMatchObject({
      status: 'completed',
      trigger: 'manual',
      fault: null,
    });
    // 'second', then seconds later 'third': a moment between them restores the first two
    await dbaas(['connect', 'bk-src'], "INSERT INTO t VALUES ('second');\n");
    const between = Date.now() + 1000;
    await new Promise(r => setTimeout(r, 2100));
    await dbaas(['connect', 'bk-src'], "INSERT INTO t VALUES ('third');\n");
    const second = await backupOf('bk-src');

    const table = await dbaas(['backup', 'list', 'bk-src']);
    expect(table.code).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(
      /^ID\s+STATUS\s+TRIGGER\s+SIZE\s+STARTED\s+RESTORABLE FROM$/,
    );
    expect(lines[1]).toMatch(
      new RegExp(
        `^${second.id}\\s+completed\\s+manual\\s+\\d+(\\.\\d)? (B|KiB|MiB|GiB)\\s+${second.startedAt}\\s+${second.restorableFrom}$`,
      ),
    );
    expect(lines[2]).toMatch(new RegExp(`^${first.id}\\s+completed\\s+manual`));
    const listed = JSON.parse(
      (await dbaas(['backup', 'list', 'bk-src', '--output', 'json'])).stdout,
    );
    expect(listed.items.map((b: Backup) => b.id)).toEqual([
      second.id,
      first.id,
    ]);
    expect(listed.recoveryWindow.earliest).toBe(first.restorableFrom);
    expect(lines[3]).toBe(
      `Recovery window: ${listed.recoveryWindow.earliest} .. ${listed.recoveryWindow.latest}`,
    );

    // from a backup: its data, the source's owner and flavor
    const copy = await dbaas([
      'restore',
      'bk-copy',
      '--from-backup',
      first.id,
      '--wait',
    ]);
    expect(copy.stderr).toMatch(/bk-copy: running \d+s/);
    expect(copy.code).toBe(0);
    expect(
      JSON.parse((await dbaas(['get', 'bk-copy', '--output', 'json'])).stdout),
    ).toMatchObject({
      owner: 'group:default/team-a',
      flavorId: 'postgresql-17-small',
    });
    expect(await rows('bk-copy')).toEqual(['first']);

    // to a moment, given with another offset: the data as of then
    const at = new Date(between + 2 * 3600_000)
      .toISOString()
      .replace('Z', '+02:00');
    const pitr = await dbaas([
      'restore',
      'bk-pitr',
      '--from',
      'bk-src',
      '--at',
      at,
      '--owner',
      'team-a',
      '--wait',
    ]);
    expect(pitr.code).toBe(0);
    expect(await rows('bk-pitr')).toEqual(['first', 'second']);

    // a backup that fails: the store cannot take it
    const incoming = path.join(dataDir, 'store', '.incoming');
    fs.rmSync(incoming, { recursive: true, force: true });
    fs.writeFileSync(incoming, 'not a folder');
    let failedId = '';
    try {
      const failed = await dbaas([
        'backup',
        'create',
        'bk-src',
        '--wait',
        '--output',
        'json',
      ]);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/bk-src: backup \S+ failed \d+s\n/);
      expect(failed.stderr).toMatch(/^error: [A-Z_]+: .+$/m);
      expect(JSON.parse(failed.stdout)).toMatchObject({ status: 'failed' });
      failedId = JSON.parse(failed.stdout).id;
    } finally {
      fs.rmSync(incoming, { force: true });
    }

    for (const id of [failedId, first.id]) {
      const deleted = await dbaas(['backup', 'delete', id]);
      expect(deleted.code).toBe(0);
      expect(deleted.stderr).toBe(`backup ${id}: deleted\n`);
    }
    const refused = await dbaas(['backup', 'delete', second.id]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `error: 409 Conflict: Backup ${second.id} is the only completed backup of bk-src`,
    );

    // a deleted database's backups stay listed, with its final backup unless skipped
    const skipped = await dbaas([
      'delete',
      'bk-copy',
      '--yes',
      '--skip-final-backup',
    ]);
    expect(skipped).toMatchObject({
      code: 0,
      stderr: 'bk-copy: deleting without a final backup\n',
    });
    for (const name of ['bk-pitr', 'bk-src']) {
      expect((await dbaas(['delete', name, '--yes'])).code).toBe(0);
    }
    await until(
      'bk-src to be gone',
      async () => (await dbaas(['get', 'bk-src'])).code,
      code => code === 2,
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    const afterDelete = await dbaas(['backup', 'list', 'bk-src']);
    expect(afterDelete.code).toBe(0);
    expect(afterDelete.stdout).toContain(second.id);
    expect(afterDelete.stdout).toMatch(/completed +final/);
    await until(
      'bk-copy to be gone',
      async () => (await dbaas(['get', 'bk-copy'])).code,
      code => code === 2,
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    // deleted without a backup to restore: gone from every list
    expect(await dbaas(['backup', 'list', 'bk-copy'])).toMatchObject({
      code: 2,
      stderr:
        "error: No database named or with id 'bk-copy' that you can see\n",
    });
    // and restore: the deleted source's owner and flavor are the defaults still
    const late = await dbaas([
      'restore',
      'bk-late',
      '--from-backup',
      second.id,
      '--wait',
      '--output',
      'json',
    ]);
    expect(late.code).toBe(0);
    expect(JSON.parse(late.stdout)).toMatchObject({
      name: 'bk-late',
      status: 'running',
      owner: 'group:default/team-a',
      flavorId: 'postgresql-17-small',
    });
    expect(await rows('bk-late')).toEqual(['first', 'second', 'third']);
    expect((await dbaas(['delete', 'bk-late', '--yes'])).code).toBe(0);
  });

  it.each([
    [
      ['create', 'x-db', '--flavor', 'postgresql-17-small'],
      2,
      "error: required option '--owner <ref>' not specified",
    ],
    [
      ['list', '--status', 'sleeping'],
      2,
      'error: --status must be one of provisioning, running, recovering, stopped, deleting, deleted, failed',
    ],
    [
      ['list', '--output', 'xml'],
      2,
      "error: option '-o, --output <format>' argument 'xml' is invalid",
    ],
    [
      ['create', 'x-db', '--flavor', 'oracle', '--owner', 'team-a'],
      1,
      "error: 400 Bad Request: flavorId: unknown flavor 'oracle'; valid flavors: postgresql-17-small, mariadb-10-11-small",
    ],
    [
      [
        'create',
        'x-db',
        '--flavor',
        'postgresql-17-small',
        '--owner',
        'team-a',
        '--storage',
        '99',
      ],
      1,
      'error: 400 Bad Request: storageGiB: must be between 1 and 5 GiB',
    ],
    [
      ['get', 'no-such-db'],
      2,
      "error: No database named or with id 'no-such-db' that you can see",
    ],
    [
      ['backup', 'list', 'no-such-db'],
      2,
      "error: No database named or with id 'no-such-db' that you can see",
    ],
    [
      ['restore', 'x-db'],
      2,
      'error: Give exactly one of --from-backup <backup-id> or --from <name-or-id> --at <time>',
    ],
    [
      ['restore', 'x-db', '--from-backup', 'b1', '--from', 'y-db'],
      2,
      'error: Give exactly one of --from-backup <backup-id> or --from <name-or-id> --at <time>',
    ],
    [
      ['restore', 'x-db', '--from', 'y-db'],
      2,
      'error: --at <time> is required with --from: the moment to restore to',
    ],
    [
      [
        'restore',
        'x-db',
        '--from-backup',
        'b1',
        '--at',
        '2026-11-29T10:15:00Z',
      ],
      2,
      'error: --at goes with --from; a backup restores to the moment it ended',
    ],
    [
      ['restore', 'x-db', '--from', 'y-db', '--at', 'yesterday'],
      2,
      "error: --at must be an ISO 8601 time, e.g. 2026-11-29T10:15:00Z (got 'yesterday')",
    ],
    [
      ['restore', 'x-db', '--from', 'no-such-db', '--at', '2026-11-29T10:15Z'],
      2,
      "error: No database named or with id 'no-such-db' that you can see",
    ],
    [
      ['backup', 'delete', 'no-such-backup'],
      1,
      'error: 404 Not Found: No backup with id no-such-backup',
    ],
  ])(
    '%j fails with exit code %i and one readable line',
    async (args, code, message) => {
      const result = await dbaas(args);
      expect(result.code).toBe(code);
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    },
  );

  it('logs in as the user whose token is pasted, and refuses a service token unless --service', async () => {
    const config = path.join(dataDir, 'login.json');
    const login = (args: string[], token: string) =>
      new Promise<{ code: number; stderr: string }>(resolve => {
        const child = spawn(
          process.execPath,
          [
            path.join(cliDir, 'bin/dbaas'),
            'login',
            '--url',
            env.DBAAS_URL!,
            ...args,
          ],
          { env: { ...env, DBAAS_TOKEN: '', DBAAS_CONFIG: config } },
        );
        let stderr = '';
        child.stderr.on('data', c => (stderr += c));
        child.on('exit', code => resolve({ code: code ?? -1, stderr }));
        child.stdin.end(`${token}\n`);
      });

    const service = await login([], mockCredentials.service.token());
    expect(service.code).toBe(2);
    expect(service.stderr).toContain(
      'That is a service token (external:test-service), not yours',
    );
    expect(fs.existsSync(config)).toBe(false);

    const user = await login(
      [],
      mockCredentials.user.token('user:default/alice'),
    );
    expect(user.stderr).toContain('Signed in as user:default/alice');
    expect(user.code).toBe(0);
    expect(fs.statSync(config).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(config, 'utf8'))).toEqual({
      url: env.DBAAS_URL,
      token: mockCredentials.user.token('user:default/alice'),
    });
    // the token never reaches the terminal
    expect(user.stderr).not.toContain('mock-user-token');

    const bot = await login(['--service'], mockCredentials.service.token());
    expect(bot.code).toBe(0);
    expect(bot.stderr).toContain('Signed in as external:test-service');
  });

  it('re-seals every stored secret under the current key', async () => {
    const result = await dbaas(['admin', 'reseal', '--output', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      keyId: 'default',
      unreadable: [],
    });
  });

  it('lists what failed creates left behind, for admins', async () => {
    const result = await dbaas(['admin', 'leaks']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('Nothing left behind by failed creates\n');
    const json = await dbaas(['admin', 'leaks', '--output', 'json']);
    expect(JSON.parse(json.stdout)).toEqual([]);
  });

  it('explains how to configure the portal when nothing is set', async () => {
    const { DBAAS_URL: _u, ...withoutUrl } = env;
    const result = await new Promise<{ code: number; stderr: string }>(
      resolve => {
        const child = spawn(
          process.execPath,
          [path.join(cliDir, 'bin/dbaas'), 'list'],
          { env: withoutUrl },
        );
        let stderr = '';
        child.stderr.on('data', c => (stderr += c));
        child.on('exit', code => resolve({ code: code ?? -1, stderr }));
      },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'No Backstage URL: pass --url, set DBAAS_URL, or run `dbaas login',
    );
  });

  it('has help with examples on every command', async () => {
    for (const command of [
      'flavors',
      'runtimes',
      'create',
      'list',
      'get',
      'events',
      'logs',
      'credentials',
      'ca',
      'connect',
      'delete',
      'stop',
      'start',
      'restart',
      'rotate-credentials',
      'resize',
      'storage',
      'users',
      'users create',
      'users delete',
      'users credentials',
      'databases',
      'databases create',
      'databases delete',
      'params',
      'flavor',
      'upgrade',
      'maintenance',
      'backup create',
      'backup list',
      'backup delete',
      'restore',
      'login',
      'admin reseal',
      'admin leaks',
    ]) {
      const help = await dbaas([...command.split(' '), '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/Example/);
    }
  });
});
