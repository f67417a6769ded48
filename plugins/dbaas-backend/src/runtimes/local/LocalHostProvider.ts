import fs from 'fs/promises';
import path from 'path';
import {
  HostProvider,
  HostRef,
  HostSpec,
  HostState,
} from '@dbaas/plugin-dbaas-node';
import { LocalHost } from './LocalServer';
import { freePort } from './processes';

interface HostFile {
  port: number;
}

/** A "host" on this machine: a data directory and a port of its own. */
export class LocalHostProvider implements HostProvider {
  constructor(private readonly options: { dataDir: string; host: string }) {}

  async provision(spec: HostSpec): Promise<HostRef> {
    const dir = path.join(this.options.dataDir, spec.instanceId);
    // servers run as their own system user: every folder above the data must be traversable
    await fs.mkdir(this.options.dataDir, { recursive: true, mode: 0o711 });
    await fs.chmod(this.options.dataDir, 0o711);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const hostFile = path.join(dir, 'host.json');
    let file: HostFile;
    try {
      file = JSON.parse(await fs.readFile(hostFile, 'utf8'));
    } catch {
      file = { port: await freePort(this.options.host) };
      await fs.writeFile(`${hostFile}.tmp`, JSON.stringify(file));
      await fs.rename(`${hostFile}.tmp`, hostFile);
    }
    return {
      runtime: 'local',
      instanceId: spec.instanceId,
      address: this.options.host,
      data: { dir, port: file.port },
    };
  }

  async find(instanceId: string): Promise<HostRef | undefined> {
    const dir = path.join(this.options.dataDir, instanceId);
    try {
      const file: HostFile = JSON.parse(
        await fs.readFile(path.join(dir, 'host.json'), 'utf8'),
      );
      return {
        runtime: 'local',
        instanceId,
        address: this.options.host,
        data: { dir, port: file.port },
      };
    } catch {
      const exists = await fs.access(dir).then(
        () => true,
        () => false,
      );
      return exists
        ? {
            runtime: 'local',
            instanceId,
            address: this.options.host,
            data: { dir, port: 0 },
          }
        : undefined;
    }
  }

  async describe(ref: HostRef): Promise<HostState> {
    const { dir } = localHost(ref);
    const exists = await fs
      .access(dir)
      .then(() => true)
      .catch(() => false);
    return exists
      ? { exists }
      : { exists, message: `data directory ${dir} is gone` };
  }

  async destroy(ref: HostRef): Promise<void> {
    await fs.rm(localHost(ref).dir, { recursive: true, force: true });
  }
}

export function localHost(ref: HostRef): LocalHost {
  return {
    dir: String(ref.data.dir),
    host: ref.address,
    port: Number(ref.data.port),
  };
}
