import { mockServices } from '@backstage/backend-test-utils';
import { Flavor } from '@dbaas/plugin-dbaas-common';
import fs from 'fs';
import path from 'path';
import { finished, pipeline } from 'stream/promises';
import {
  BaseBackupResult,
  EngineBackups,
  EngineSecrets,
  EngineSpec,
  HostRef,
  RecoveryWindowFault,
  RestoreRequest,
  Runtime,
  StepContext,
} from '@dbaas/plugin-dbaas-node';
import { createLocalRuntime } from '../runtimes/local';
import { isAlive } from '../runtimes/local/processes';
import { makeDataDir } from './fixtures';
import { newInstanceSpec } from './localInstances';

export const ctx: StepContext = {
  logger: mockServices.logger.mock(),
  signal: new AbortController().signal,
};

export interface Instance {
  host: HostRef;
  spec: EngineSpec;
  secrets: EngineSecrets;
}

/**
 * A local runtime with log archiving on, for the backup tests of one engine: made in
 * beforeAll, its servers and data directory removed in afterAll; and what the Manager does
 * around the runtime's backups (provision, ship the spooled log, store a backup, restore).
 */
export function localBackupHarness(flavor: Flavor, name: string) {
  const made: Instance[] = [];
  const h = {
    dataDir: '',
    runtime: undefined as unknown as Runtime,
    backups: undefined as unknown as EngineBackups,

    /** A provisioned host, as the Manager makes it before deploy or restore. */
    async newHost(): Promise<Instance> {
      const { spec, hostSpec, secrets } = newInstanceSpec(flavor);
      const host = await h.runtime.host.provision(hostSpec, ctx);
      const instance = { host, spec, secrets };
      made.push(instance);
      return instance;
    },

    async deployed() {
      const instance = await h.newHost();
      await h.runtime.engine.deploy(
        instance.host,
        instance.spec,
        instance.secrets,
        ctx,
      );
      return instance;
    },

    /** Uploads each spooled log file to `store`, then deletes it, as the Manager does. */
    async ship(instance: Instance, store: string) {
      fs.mkdirSync(store, { recursive: true });
      const files = await h.backups.archivedWal(instance.host, instance.spec);
      for (const file of files) {
        await pipeline(
          await file.open(),
          fs.createWriteStream(path.join(store, file.name)),
        );
        await file.remove();
      }
      expect(await h.backups.archivedWal(instance.host, instance.spec)).toEqual(
        [],
      );
      return files.map(f => f.name);
    },

    async backupTo(instance: Instance, file: string) {
      const backup = await h.backups.baseBackup(
        instance.host,
        instance.spec,
        instance.secrets,
        ctx,
      );
      await pipeline(backup.stream, fs.createWriteStream(file));
      return backup.result;
    },

    /** Restores a stored backup and log as the Manager fetches them from its store. */
    restoreFrom(
      into: Instance,
      file: string,
      walDir: string,
      request: Partial<RestoreRequest> = {},
    ) {
      return h.backups.restore(
        into.host,
        into.spec,
        into.secrets,
        { backup: fs.createReadStream(file), walDir, ...request },
        ctx,
      );
    },

    /**
     * The point-in-time scenario: a table `events (id, ...)` made by `createEvents`, a base
     * backup, ids 1, 2, 3 committed `gapMs` apart, the log closed (`closeLog`) and shipped, and a
     * restore to 400 ms after the second commit into a new host, which holds exactly ids 1 and 2.
     */
    async betweenCommits(options: {
      sql: (instance: Instance, text: string) => Promise<unknown[]>;
      createEvents: string;
      closeLog: (source: Instance) => Promise<unknown>;
      gapMs: number;
      prefix: string;
    }) {
      const { sql, closeLog, gapMs, prefix } = options;
      const source = await h.deployed();
      await sql(source, options.createEvents);
      const file = path.join(h.dataDir, `${prefix}.backup`);
      const info = await h.backupTo(source, file);
      const marks: Date[] = [];
      for (const id of [1, 2, 3]) {
        await sql(source, `INSERT INTO events (id) VALUES (${id})`);
        marks.push(new Date());
        await new Promise(resolve => setTimeout(resolve, gapMs));
      }
      await closeLog(source);
      const wal = path.join(h.dataDir, `${prefix}-log`);
      await h.ship(source, wal);

      const { copy } = await h.restoreDeployed(file, wal, {
        targetTime: new Date(marks[1].getTime() + 400),
        backupStoppedAt: info.stoppedAt,
      });
      expect(await sql(copy, 'SELECT id FROM events ORDER BY id')).toEqual([
        { id: 1 },
        { id: 2 },
      ]);
      return { info, marks, file, wal };
    },

    /** Restores into a new host, which is then deployed; its last replayed commit precedes the target. */
    async restoreDeployed(
      file: string,
      walDir: string,
      request: Partial<RestoreRequest>,
    ) {
      const copy = await h.newHost();
      const restored = await h.restoreFrom(copy, file, walDir, request);
      if (request.targetTime) {
        expect(restored.lastTransactionAt!.getTime()).toBeLessThan(
          request.targetTime.getTime(),
        );
      }
      await h.runtime.engine.deploy(copy.host, copy.spec, copy.secrets, ctx);
      return { copy, restored };
    },

    /**
     * Starts a backup, SIGKILLs the server (the process group of the pid in `pidFile`) once the
     * first bytes are out, and expects the stream and the result to fail; then starts the
     * server again.
     */
    async killMidBackup(source: Instance, pidFile: string) {
      const backup = await h.backups.baseBackup(
        source.host,
        source.spec,
        source.secrets,
        ctx,
      );
      await new Promise<void>(resolve =>
        backup.stream.once('data', () => {
          backup.stream.pause();
          resolve();
        }),
      );
      const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
      process.kill(-pid, 'SIGKILL');
      while (isAlive(pid))
        await new Promise(resolve => setTimeout(resolve, 50));
      backup.stream.resume();
      await expect(finished(backup.stream)).rejects.toThrow();
      await expect(backup.result).rejects.toThrow();
      await h.runtime.engine.start(
        source.host,
        source.spec,
        source.secrets,
        ctx,
      );
    },

    /** A restore to an hour from now, past the shipped log: refused, naming the window. */
    async lateRefusal(file: string, wal: string, info: BaseBackupResult) {
      const late = await h.refused(file, wal, {
        targetTime: new Date(Date.now() + 3_600_000),
        backupStoppedAt: info.stoppedAt,
      });
      expect(late).toBeInstanceOf(RecoveryWindowFault);
      expect(late.earliest).toEqual(info.stoppedAt);
      expect(late.message).toContain(
        `${info.stoppedAt.toISOString()} .. ${late.latest.toISOString()}`,
      );
      return late as RecoveryWindowFault & { latest: Date };
    },

    /** A restore into a new host that fails, leaving no server running there: its error. */
    async refused(
      file: string,
      walDir: string,
      request: Partial<RestoreRequest>,
    ) {
      const other = await h.newHost();
      const error = await h
        .restoreFrom(other, file, walDir, request)
        .catch(e => e);
      expect(
        await h.runtime.engine.health(other.host, other.spec, other.secrets),
      ).toMatchObject({ reason: 'stopped' });
      return error;
    },
  };

  beforeAll(() => {
    h.dataDir = makeDataDir(name);
    h.runtime = createLocalRuntime({
      dataDir: h.dataDir,
      host: '127.0.0.1',
      walArchiving: true,
    });
    h.backups = h.runtime.engine.backups!;
  });

  afterAll(async () => {
    for (const { host, spec } of made) {
      await h.runtime.engine.remove(host, spec, ctx).catch(() => {});
    }
    fs.rmSync(h.dataDir, { recursive: true, force: true });
  });

  return h;
}
