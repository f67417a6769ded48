import { mockCredentials } from '@backstage/backend-test-utils';
import { ChildProcess, spawn } from 'child_process';
import fs from 'fs';
import path from 'path';
import type { ReplicaBackendSettings } from './replicaBackend';

const ENTRY = path.join(__dirname, 'replicaBackend.ts');
const TRANSFORM = require.resolve('@backstage/cli/config/nodeTransform.cjs');
const live = new Set<ReplicaProcess>();

/** The Authorization header of alice, a member of group:default/team-a in the test catalog. */
export const AS_ALICE = `Bearer ${mockCredentials.user.token(
  'user:default/alice',
)}`;

/**
 * A Manager replica in a child process (replicaBackend.ts): started on a free port, its output
 * appended to `logFile`, stopped with SIGTERM or killed with SIGKILL. `killAll()` ends every
 * one still running, whatever happened.
 */
export class ReplicaProcess {
  private exited: Promise<void>;

  private constructor(
    readonly child: ChildProcess,
    readonly settings: ReplicaBackendSettings,
    readonly port: number,
  ) {
    this.exited = new Promise(resolve => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    this.exited.then(() => live.delete(this));
  }

  get url() {
    return `http://127.0.0.1:${this.port}/api/dbaas`;
  }

  get pid() {
    return this.child.pid!;
  }

  static async start(
    settings: ReplicaBackendSettings,
    options: { logFile: string; startTimeoutMs?: number },
  ): Promise<ReplicaProcess> {
    const log = fs.openSync(options.logFile, 'a');
    const child = spawn(process.execPath, ['--require', TRANSFORM, ENTRY], {
      env: { ...process.env, REPLICA_BACKEND: JSON.stringify(settings) },
      stdio: ['ignore', 'pipe', log],
    });
    fs.closeSync(log);
    const pending = { child, settings } as unknown as ReplicaProcess;
    live.add(pending);
    const logStream = fs.createWriteStream(options.logFile, { flags: 'a' });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `replica ${settings.replicaId} did not start within ${
                  (options.startTimeoutMs ?? 60_000) / 1000
                } s; see ${options.logFile}`,
              ),
            ),
          options.startTimeoutMs ?? 60_000,
        );
        let seen = '';
        child.stdout!.on('data', chunk => {
          logStream.write(chunk);
          seen += String(chunk);
          const match = seen.match(/LISTENING (\d+)/);
          if (match) {
            clearTimeout(timer);
            resolve(Number(match[1]));
          }
        });
        child.once('exit', code => {
          clearTimeout(timer);
          reject(
            new Error(
              `replica ${settings.replicaId} exited with ${code} while starting; see ${options.logFile}`,
            ),
          );
        });
      });
      live.delete(pending);
      const replica = new ReplicaProcess(child, settings, port);
      live.add(replica);
      return replica;
    } catch (error) {
      live.delete(pending);
      child.kill('SIGKILL');
      throw error;
    }
  }

  /** SIGKILL: the process dies at once, wherever it is. */
  async kill() {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (the backend shuts down), SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000) {
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Calls the replica's REST API as alice; the body as JSON. */
  async api(
    method: string,
    route: string,
    body?: unknown,
  ): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.url}${route}`, {
      method,
      headers: {
        authorization: AS_ALICE,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed };
  }

  /** Kills every replica process still running (SIGKILL) and waits until they are gone. */
  static async killAll() {
    await Promise.all(
      [...live].map(async r => {
        r.child.kill('SIGKILL');
        if (r.child.exitCode === null && r.child.signalCode === null) {
          await new Promise(resolve => r.child.once('exit', resolve));
        }
      }),
    );
    live.clear();
  }
}

// a parent that dies of an error must not leave its backends running
process.once('exit', () => {
  for (const r of live) r.child.kill('SIGKILL');
});
