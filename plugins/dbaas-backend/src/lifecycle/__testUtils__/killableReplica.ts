import { postgresFlavor } from '@dbaas/plugin-dbaas-node/testUtils';
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Client } from 'pg';
import { makeDataDir } from '../../__testUtils__/fixtures';
import { AS_ALICE, ReplicaProcess } from './replicaProcess';
import { stopLocalServers } from './runtimeInventory';

/**
 * One Manager replica in a process of its own on the local runtime (a store of its own on the
 * machine's PostgreSQL, a filesystem backup store), to SIGKILL and start again under the same
 * replica id; call `cleanUp` in afterAll. `api` calls it as alice.
 */
export function killableReplica(options: {
  /** Names the store, folders and replica id. */
  name: string;
  /** The machine's PostgreSQL (BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING). */
  server: string;
  local?: Record<string, unknown>;
  /** Default: the small PostgreSQL flavor only. */
  flavors?: object[];
}) {
  const tag = crypto.randomBytes(3).toString('hex');
  const prefix = `dbaas_${options.name.replace(/-/g, '_')}_${tag}_`;
  const workDir = fs.mkdtempSync(
    path.join(os.tmpdir(), `dbaas-${options.name}-`),
  );
  const dataDir = makeDataDir(options.name);
  const storeDir = path.join(workDir, 'store');
  let replica: ReplicaProcess | undefined;

  const h = {
    tag,
    storeDir,
    get replica() {
      return replica!;
    },
    async start() {
      replica = await ReplicaProcess.start(
        {
          replicaId: `${options.name}-a`,
          database: { client: 'pg', connection: options.server, prefix },
          dbaas: {
            flavors: options.flavors ?? [postgresFlavor],
            defaultRuntime: 'local',
            runtimes: { local: { dataDir, ...options.local } },
            backups: { store: { type: 'filesystem', directory: storeDir } },
            encryption: { key: `${options.name} test key of sixteen or more` },
          },
        },
        { logFile: path.join(workDir, 'replica.log') },
      );
      return replica;
    },
    /** SIGKILLs the replica and waits until its process is gone. */
    async kill() {
      replica?.child.kill('SIGKILL');
      await ReplicaProcess.killAll();
    },
    async api(method: string, url: string, body?: object) {
      const res = await fetch(`${replica!.url}${url}`, {
        method,
        headers: {
          Authorization: AS_ALICE,
          ...(body ? { 'Content-Type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, body: await res.json().catch(() => null) };
    },
    async cleanUp() {
      await ReplicaProcess.killAll();
      await stopLocalServers(dataDir);
      const admin = new Client({
        connectionString: `${options.server.replace(/\/$/, '')}/postgres`,
      });
      await admin.connect();
      await admin
        .query(`DROP DATABASE IF EXISTS "${prefix}dbaas" WITH (FORCE)`)
        .catch(() => {});
      await admin.end();
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
  return h;
}
