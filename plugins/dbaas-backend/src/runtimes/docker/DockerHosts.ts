import Docker from 'dockerode';
import { DockerHostConfig } from './config';
import { LABEL_MANAGED_BY, MANAGED_BY } from '@dbaas/plugin-dbaas-node';

/** The configured Docker engines, each with its dockerode client. */
export class DockerHosts {
  private readonly clients = new Map<string, Docker>();

  constructor(readonly hosts: DockerHostConfig[]) {
    for (const host of hosts) {
      this.clients.set(
        host.name,
        new Docker(host.connection as Docker.DockerOptions),
      );
    }
  }

  client(name: string): Docker {
    const client = this.clients.get(name);
    if (!client) {
      throw new Error(
        `Docker host '${name}' is no longer configured under dbaas.runtimes.docker.hosts`,
      );
    }
    return client;
  }

  config(name: string): DockerHostConfig {
    return this.hosts.find(h => h.name === name)!;
  }

  /** Our containers on a host, with the memory each was given. */
  async usage(name: string): Promise<{ instances: number; memoryMiB: number }> {
    const containers = await this.client(name).listContainers({
      all: true,
      filters: { label: [`${LABEL_MANAGED_BY}=${MANAGED_BY}`] },
    });
    let memoryMiB = 0;
    for (const c of containers) {
      memoryMiB += Number(c.Labels['dbaas.backstage.io/memory-mib'] ?? 0);
    }
    return { instances: containers.length, memoryMiB };
  }
}

/** A failure to reach the engine (a socket, TCP or SSH hiccup), worth asking again. */
