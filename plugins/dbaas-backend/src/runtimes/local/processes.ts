import { execFile, spawn, SpawnOptions } from 'child_process';
import { readFileSync } from 'fs';
import fs from 'fs/promises';
import net from 'net';
import os from 'os';
import { promisify } from 'util';
import { sleep } from '@dbaas/plugin-dbaas-node';

const execFileAsync = promisify(execFile);

/** Uid and gid to run a server as: database servers refuse to run as root. */
export interface RunAs {
  uid?: number;
  gid?: number;
}

/**
 * When the backend runs as root, servers run as the named system user (created if
 * missing, as the distributions' packages do); otherwise as the backend's own user.
 */
export async function runAsSystemUser(name: string): Promise<RunAs> {
  if (os.userInfo().uid !== 0) {
    return {};
  }
  try {
    return await lookupUser(name);
  } catch {
    await execFileAsync('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      name,
    ]);
    return lookupUser(name);
  }
}

async function lookupUser(name: string): Promise<RunAs> {
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([
    execFileAsync('id', ['-u', name]),
    execFileAsync('id', ['-g', name]),
  ]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

export async function chownTo(path: string, runAs: RunAs) {
  if (runAs.uid !== undefined && runAs.gid !== undefined) {
    await fs.chown(path, runAs.uid, runAs.gid);
  }
}

/**
 * The whole environment a database server (and its tools) starts with: a fixed PATH, the C
 * locale, UTC unless the backend names a time zone, and HOME when given. Never the backend's
 * own environment, which holds its secrets (keys, tokens, the store's password).
 */
export function serverEnvironment(home?: string): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: 'C',
    LC_ALL: 'C',
    TZ: /^[A-Za-z0-9/_+-]{1,64}$/.test(process.env.TZ ?? '')
      ? process.env.TZ
      : 'UTC',
    ...(home ? { HOME: home } : {}),
  };
}

/**
 * Runs a command to completion, with `serverEnvironment()` unless `env` is given; the error
 * carries its output, never its environment.
 */
export async function run(
  command: string,
  args: string[],
  options: SpawnOptions & RunAs = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: serverEnvironment(),
      ...options,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', chunk => (output += chunk));
    child.stderr!.on('data', chunk => (output += chunk));
    child.on('error', reject);
    child.on('close', code => {
      if (code === 0) {
        resolve(output);
      } else {
        const name = command.split('/').pop();
        reject(
          new Error(
            `${name} exited with code ${code}: ${output.trim().slice(-2000)}`,
          ),
        );
      }
    });
  });
}

/** Whether the process runs; a zombie (dead, not yet reaped by its parent) does not. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(
      stat.lastIndexOf(')') + 2,
      stat.lastIndexOf(')') + 3,
    );
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc: trust the signal check
  }
}

/**
 * The pid in a server's pid file while that process runs. With `command`, the process must
 * also be that program: after a host restart, a stale pid file's pid may be another's.
 */
export async function readPid(
  pidFile: string,
  command?: string,
): Promise<number | undefined> {
  try {
    const pid = Number(
      (await fs.readFile(pidFile, 'utf8')).split('\n')[0].trim(),
    );
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
    return !command || (await runs(pid, command)) ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function runs(pid: number, command: string) {
  const comm = await fs.readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
  // no /proc: trust the pid; the kernel keeps 15 characters of the name
  return !comm || comm.trim() === command.slice(0, 15);
}

export async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

/** Stops a process with SIGTERM, then SIGKILL if it is still there after the grace period. */
export async function terminate(pid: number, graceMs = 30_000) {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  if (!(await waitUntil(async () => !isAlive(pid), graceMs))) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
    await waitUntil(async () => !isAlive(pid), 5_000);
  }
}

export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise(resolve => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

export async function pathExists(file: string): Promise<boolean> {
  return fs
    .access(file)
    .then(() => true)
    .catch(() => false);
}
