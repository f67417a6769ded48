/*
 * The backend's production image, as an adopter runs it: built by
 * scripts/build-backend-image.sh (or E2E_BACKEND_IMAGE, already built), started with
 * app-config.yaml + app-config.production.yaml against this machine's PostgreSQL, the Docker
 * runtime on this machine's engine and a static service token; a database is created through
 * its API, keeps a row, and is deleted with its container.
 */
import { execFileSync, spawnSync } from 'child_process';
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Client } from 'pg';
import { repoRoot } from './portal';
import { dropDatabases, PG_SERVER } from './storeDatabases';

jest.setTimeout(30 * 60_000);

const PORT = 7017;
const BASE = `http://localhost:${PORT}`;
const tag = crypto.randomBytes(3).toString('hex');
const image =
  process.env.E2E_BACKEND_IMAGE ?? `dbaas/backstage-backend:test-${tag}`;
const container = `dbaas-image-test-${tag}`;
const prefix = `dbaas_image_${tag}_`;
const token = crypto.randomBytes(24).toString('base64url');
const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbaas-image-'));

const docker = (...args: string[]) =>
  execFileSync('docker', args, { encoding: 'utf8' }).trim();

/** `docker run` with the secrets passed by name, from its own environment: never in its arguments. */
const dockerRun = (env: Record<string, string>, args: string[]) =>
  execFileSync(
    'docker',
    ['run', ...Object.keys(env).flatMap(name => ['--env', name]), ...args],
    { encoding: 'utf8', env: { ...process.env, ...env } },
  );

async function api(method: string, route: string, body?: object) {
  const response = await fetch(`${BASE}/api/dbaas${route}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 180_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise(resolve => setTimeout(resolve, 1000));
  }
  throw new Error(
    `${what}: not within ${
      timeoutMs / 1000
    } s; the backend's errors:\n${backendErrors()}`,
  );
}

/** The backend's error lines (its request lines would fill any tail). */
function backendErrors() {
  const { output } = spawnSync('docker', ['logs', container], {
    encoding: 'utf8',
  });
  return output
    .join('')
    .split('\n')
    .filter(line => /"level":"error"/.test(line))
    .slice(0, 5)
    .map(line => line.slice(0, 800))
    .join('\n');
}

beforeAll(async () => {
  if (!process.env.E2E_BACKEND_IMAGE) {
    execFileSync(
      path.join(repoRoot, 'scripts/build-backend-image.sh'),
      [image],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
  }
  fs.chmodSync(configDir, 0o755);
  fs.copyFileSync(
    path.join(repoRoot, 'examples/org.yaml'),
    path.join(configDir, 'org.yaml'),
  );
  const site = {
    app: { baseUrl: BASE },
    backend: {
      baseUrl: BASE,
      listen: `:${PORT}`,
      database: { prefix },
      auth: {
        externalAccess: [
          {
            type: 'static',
            options: { token, subject: 'external:image-test' },
          },
        ],
      },
    },
    catalog: {
      locations: [
        {
          type: 'file',
          target: './templates/*/template.yaml',
          rules: [{ allow: ['Template'] }],
        },
        {
          type: 'file',
          target: '/etc/backstage/org.yaml',
          rules: [{ allow: ['User', 'Group'] }],
        },
      ],
    },
    dbaas: {
      serviceAccess: [
        {
          subject: 'external:image-test',
          permissions: [
            'dbaas.instance.create',
            'dbaas.instance.create.any-owner',
            'dbaas.instance.credentials.read',
            'dbaas.instance.delete',
          ],
        },
      ],
      runtimes: {
        docker: {
          hosts: [
            {
              name: 'this-machine',
              url: 'unix:///var/run/docker.sock',
              publishAddress: '127.0.0.1',
            },
          ],
        },
      },
    },
  };
  fs.writeFileSync(
    path.join(configDir, 'app-config.site.yaml'),
    JSON.stringify(site),
  );
  for (const file of fs.readdirSync(configDir)) {
    fs.chmodSync(path.join(configDir, file), 0o644);
  }
  const socketGroup = String(fs.statSync('/var/run/docker.sock').gid);
  const env = {
    APP_BASE_URL: BASE,
    BACKEND_BASE_URL: BASE,
    POSTGRES_HOST: '127.0.0.1',
    POSTGRES_PORT: new URL(PG_SERVER).port || '5432',
    POSTGRES_USER: new URL(PG_SERVER).username || 'postgres',
    POSTGRES_PASSWORD:
      decodeURIComponent(new URL(PG_SERVER).password) || 'unused',
    DBAAS_DEFAULT_RUNTIME: 'docker',
    DBAAS_ENCRYPTION_KEY_ID: 'image-test',
    DBAAS_ENCRYPTION_KEY: crypto.randomBytes(24).toString('base64'),
    AUTH_GITHUB_CLIENT_ID: 'image-test-client',
    AUTH_GITHUB_CLIENT_SECRET: crypto.randomBytes(16).toString('hex'),
  };
  dockerRun(env, [
    '--detach',
    '--name',
    container,
    '--network',
    'host',
    '--group-add',
    socketGroup,
    '--volume',
    '/var/run/docker.sock:/var/run/docker.sock',
    '--volume',
    `${configDir}:/etc/backstage:ro`,
    image,
    'node',
    'packages/backend',
    '--config',
    'app-config.yaml',
    '--config',
    'app-config.production.yaml',
    '--config',
    '/etc/backstage/app-config.site.yaml',
  ]);
  await until('the backend ready', async () => {
    const response = await fetch(
      `${BASE}/.backstage/health/v1/readiness`,
    ).catch(() => undefined); // not listening yet
    return response?.ok ? true : undefined;
  });
});

afterAll(async () => {
  spawnSync('docker', ['rm', '--force', '--volumes', container]);
  if (!process.env.E2E_BACKEND_IMAGE) {
    spawnSync('docker', ['image', 'rm', image]);
  }
  fs.rmSync(configDir, { recursive: true, force: true });
  await dropDatabases(prefix);
});

describe('the production image', () => {
  it('serves the app, and offers the configured runtime but not local', async () => {
    const page = await fetch(`${BASE}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const runtimes = await api('GET', '/runtimes');
    expect(runtimes.status).toBe(200);
    expect(runtimes.body.defaultRuntime).toBe('docker');
    expect(runtimes.body.items.map((r: { name: string }) => r.name)).toEqual([
      'docker',
    ]);
  });

  it('signs users in with GitHub, not as guests', async () => {
    const start = await fetch(
      `${BASE}/api/auth/github/start?env=production&scope=read:user`,
      { redirect: 'manual' },
    );
    expect(start.status).toBe(302);
    const location = new URL(start.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(
      'https://github.com/login/oauth/authorize',
    );
    expect(location.searchParams.get('client_id')).toBe('image-test-client');
    expect(location.searchParams.get('redirect_uri')).toBe(
      `${BASE}/api/auth/github/handler/frame`,
    );
    const guest = await fetch(`${BASE}/api/auth/guest/refresh?env=production`, {
      headers: { 'x-requested-with': 'XMLHttpRequest' },
    });
    expect(guest.status).toBe(403);
    expect(await guest.text()).toContain(
      'cannot be used outside of a development environment',
    );
  });

  it('creates a database on Docker that keeps a row, and deletes it with its container', async () => {
    // the catalog takes in the org's groups a few seconds after the start
    const created = await until(
      'the create accepted',
      async () => {
        const answer = await api('POST', '/instances', {
          name: `image-${tag}`,
          owner: 'group:default/guests',
          flavorId: 'postgresql-15-small',
        });
        if (answer.status === 202) return answer.body;
        if (
          answer.status !== 400 ||
          !/not in the catalog/.test(answer.body?.error?.message)
        ) {
          throw new Error(
            `create: ${answer.status} ${JSON.stringify(answer.body)}`,
          );
        }
        return undefined;
      },
      60_000,
    );
    const running = await until('the instance running', async () => {
      const { body } = await api('GET', `/instances/${created.id}`);
      if (body.status === 'failed') {
        throw new Error(`failed: ${JSON.stringify(body.fault)}`);
      }
      return body.status === 'running' ? body : undefined;
    });
    expect(running.runtime).toBe('docker');

    const { body: credentials } = await api(
      'GET',
      `/instances/${created.id}/credentials`,
    );
    const client = new Client({
      host: credentials.host,
      port: credentials.port,
      user: credentials.username,
      password: credentials.password,
      database: credentials.database,
      ssl: { ca: credentials.ca },
    });
    await client.connect().catch(error => {
      throw new Error(`connecting: ${(error as Error).message}`);
    });
    try {
      await client.query('CREATE TABLE kept (item text)');
      await client.query("INSERT INTO kept VALUES ('from the image')");
      const { rows } = await client.query('SELECT item FROM kept');
      expect(rows).toEqual([{ item: 'from the image' }]);
    } finally {
      await client.end();
    }

    const label = `label=dbaas.backstage.io/instance-id=${created.id}`;
    expect(docker('ps', '--all', '--quiet', '--filter', label)).not.toBe('');
    const deleted = await api(
      'DELETE',
      `/instances/${created.id}?skipFinalBackup=true`,
    );
    expect(deleted.status).toBe(202);
    await until('the instance deleted', async () => {
      const { status, body } = await api('GET', `/instances/${created.id}`);
      return status === 404 || body.status === 'deleted' ? true : undefined;
    });
    expect(docker('ps', '--all', '--quiet', '--filter', label)).toBe('');
  });
});
