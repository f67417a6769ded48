import Docker from 'dockerode';
import { execFileSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import { Client } from 'pg';

/**
 * What the runtimes really hold, read from the machine rather than from the Manager's rows:
 * local servers (processes and data directories), schemas and roles on a shared server,
 * the Manager's Docker containers and volumes.
 */

/** Local PostgreSQL servers (postmasters) whose data directory is under `dataDir`, by instance id. */
export function localServers(dataDir: string): { pid: number; id: string }[] {
  const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  const root = path.resolve(dataDir);
  const servers: { pid: number; id: string }[] = [];
  for (const line of ps.split('\n')) {
    const match = line.trim().match(/^(\d+)\s+(\S*postgres)\s+-D\s+(\S+)/);
    if (!match || !match[3].startsWith(`${root}/`)) continue;
    const id = path.relative(root, match[3]).split(path.sep)[0];
    servers.push({ pid: Number(match[1]), id });
  }
  return servers;
}

/** The instance folders the local runtime has under `dataDir`. */
export function localDirs(dataDir: string): string[] {
  try {
    return fs.readdirSync(dataDir).filter(name => !name.startsWith('.'));
  } catch {
    return [];
  }
}

/** Stops every local server under `dataDir` (immediate shutdown), for clean-up after a test. */
export async function stopLocalServers(dataDir: string) {
  for (const { pid } of localServers(dataDir)) {
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {
      // gone
    }
  }
  for (let i = 0; i < 100 && localServers(dataDir).length; i++) {
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}

/** Schemas and roles on the shared server (its database of `url`) whose names start with `prefix`. */
export async function sharedObjects(
  url: string,
  prefix: string,
): Promise<{ schemas: string[]; roles: string[] }> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const like = `${prefix.replace(/_/g, '\\_')}%`;
    const schemas = await client.query(
      'SELECT nspname FROM pg_namespace WHERE nspname LIKE $1 ORDER BY 1',
      [like],
    );
    const roles = await client.query(
      'SELECT rolname FROM pg_roles WHERE rolname LIKE $1 ORDER BY 1',
      [like],
    );
    return {
      schemas: schemas.rows.map(r => r.nspname),
      roles: roles.rows.map(r => r.rolname),
    };
  } finally {
    await client.end();
  }
}

/** Drops the schemas and roles whose names start with `prefix` (clean-up after a test). */
export async function dropSharedObjects(url: string, prefix: string) {
  const { schemas, roles } = await sharedObjects(url, prefix);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    for (const schema of schemas) {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
    for (const role of roles) {
      await client.query(`DROP ROLE IF EXISTS "${role}"`);
    }
  } finally {
    await client.end();
  }
}

const MANAGED = 'app.kubernetes.io/managed-by=backstage-dbaas';

/** The Manager's containers and volumes on the local Docker engine, by instance id label. */
export async function dockerResources(docker: Docker) {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [MANAGED] },
  });
  const volumes = (await docker.listVolumes({ filters: { label: [MANAGED] } }))
    .Volumes;
  return {
    containers: containers.map(c => ({ id: c.Id, name: c.Names[0] })),
    volumes: (volumes ?? []).map(v => v.Name),
  };
}

/** Removes the given containers and volumes (clean-up after a test). */
export async function removeDockerResources(
  docker: Docker,
  found: { containers: { id: string }[]; volumes: string[] },
) {
  for (const c of found.containers) {
    await docker
      .getContainer(c.id)
      .remove({ force: true })
      .catch(() => {});
  }
  for (const v of found.volumes) {
    await docker
      .getVolume(v)
      .remove()
      .catch(() => {});
  }
}
