import { ChildProcess, spawn } from 'child_process';
import fs from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';

/** The repository's root: the nearest folder up from here with a backstage.json. */
export const repoRoot = findRepoRoot(process.cwd());

function findRepoRoot(from: string): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'backstage.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(
        `No backstage.json above ${from}: run the tests inside the repository`,
      );
    }
    dir = parent;
  }
  return dir;
}
export const APP_URL = 'http://localhost:3000';
export const BACKEND_URL = 'http://localhost:7007';

export interface Portal {
  appUrl: string;
  backendUrl: string;
  /** The local runtime's data folder, when this run started the portal. */
  dataDir?: string;
  stop(): Promise<void>;
}

/**
 * Starts the dev portal as `./dev start` does (app on :3000, backend on :7007), with
 * an in-memory store (unless `extraConfigs`, more app-config files, say otherwise), and
 * waits until both answer. With `production`, the app is built (`backstage-cli package
 * build`: the minified bundle) and served by the backend's app-backend on :7007, as in a
 * deployment. With E2E_BASE_URL set, the tests use an already running portal instead.
 */
export async function startPortal(
  options: { extraConfigs?: string[]; production?: boolean } = {},
): Promise<Portal> {
  if (process.env.E2E_BASE_URL) {
    return {
      appUrl: process.env.E2E_BASE_URL,
      backendUrl: process.env.E2E_BACKEND_URL ?? BACKEND_URL,
      dataDir: process.env.E2E_DATA_DIR,
      stop: async () => {},
    };
  }
  for (const port of [3000, 7007]) {
    if (await isPortInUse(port)) {
      throw new Error(
        `Port ${port} is in use: stop the running portal, or set E2E_BASE_URL to test it instead`,
      );
    }
  }

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbaas-e2e-'));
  fs.chmodSync(dataDir, 0o711);
  const yarnRelease = fs
    .readdirSync(path.join(repoRoot, '.yarn/releases'))
    .find(f => f.endsWith('.cjs'))!;
  const logFile = path.join(repoRoot, 'test-results', 'e2e-portal.log');
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.openSync(logFile, 'w');
  const yarn = path.join(repoRoot, '.yarn/releases', yarnRelease);
  let productionConfig: string[] = [];
  if (options.production) {
    await buildApp(yarn, log, logFile);
    const file = path.join(dataDir, 'app-config.served-by-backend.yaml');
    fs.writeFileSync(
      file,
      `app:\n  baseUrl: ${BACKEND_URL}\nbackend:\n  cors:\n    origin: ${BACKEND_URL}\n`,
    );
    productionConfig = ['--config', file];
  }
  const child = spawn(
    process.execPath,
    [
      yarn,
      ...(options.production
        ? ['workspace', 'backend', 'backstage-cli', 'package', 'start']
        : ['backstage-cli', 'repo', 'start']),
      '--config',
      path.join(repoRoot, 'app-config.yaml'),
      '--config',
      path.join(repoRoot, 'packages/e2e-tests/app-config.e2e.yaml'),
      ...(options.extraConfigs ?? []).flatMap(file => ['--config', file]),
      ...productionConfig,
    ],
    {
      cwd: repoRoot,
      detached: true,
      stdio: ['ignore', log, log],
      env: {
        ...process.env,
        // Jest sets NODE_ENV=test, which no browserslist entry of the app matches
        NODE_ENV: 'development',
        DBAAS_E2E_DATA_DIR: dataDir,
        BROWSER: 'none',
      },
    },
  );

  const stop = async () => {
    await killGroup(child);
    // a socket lingers a moment after its process: the next check must find the ports closed
    for (let i = 0; i < 100; i++) {
      const open = await Promise.all([3000, 7007].map(isPortInUse));
      if (!open.some(Boolean)) break;
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitFor(`${BACKEND_URL}/api/dbaas/health`, child, logFile);
    if (!options.production) await waitFor(APP_URL, child, logFile);
  } catch (error) {
    await stop();
    throw error;
  }
  const appUrl = options.production ? BACKEND_URL : APP_URL;
  return { appUrl, backendUrl: BACKEND_URL, dataDir, stop };
}

/** The app's production bundle in packages/app/dist, which the app-backend serves. */
async function buildApp(yarn: string, log: number, logFile: string) {
  const build = spawn(
    process.execPath,
    [yarn, 'workspace', 'app', 'backstage-cli', 'package', 'build'],
    {
      cwd: repoRoot,
      stdio: ['ignore', log, log],
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  const code = await new Promise(resolve => build.once('exit', resolve));
  if (code !== 0) {
    throw new Error(`Building the app failed (exit ${code}); see ${logFile}`);
  }
}

async function waitFor(url: string, child: ChildProcess, logFile: string) {
  const deadline = Date.now() + 240_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(
        `The portal exited with code ${child.exitCode}; see ${logFile}`,
      );
    }
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise(resolve => setTimeout(resolve, 1000));
  }
  throw new Error(`${url} did not answer within 240 s; see ${logFile}`);
}

async function killGroup(child: ChildProcess) {
  if (child.exitCode !== null || !child.pid) return;
  const exited = new Promise(resolve => child.once('exit', resolve));
  process.kill(-child.pid, 'SIGTERM');
  const kill = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const timeout = setTimeout(kill, 10_000);
  await exited;
  clearTimeout(timeout);
  // the backend is a grandchild in the group: it may still be shutting down, port open
  const untilGone = async (tries: number) => {
    for (let i = 0; i < tries && (await groupAlive(child.pid!)); i++) {
      await new Promise(resolve => setTimeout(resolve, 100));
    }
  };
  await untilGone(100);
  if (await groupAlive(child.pid)) {
    kill();
    await untilGone(50);
  }
}

/** Whether any process of the group `pgid` is left. */
async function groupAlive(pgid: number): Promise<boolean> {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function isPortInUse(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
