import { Config } from '@backstage/config';
import fs from 'fs';

/** One Docker engine the runtime may place databases on. */
export interface DockerHostConfig {
  name: string;
  /** dockerode options: a unix socket, TCP (with TLS), or SSH. */
  connection:
    | { socketPath: string }
    | {
        protocol: 'http' | 'https';
        host: string;
        port: number;
        ca?: string;
        cert?: string;
        key?: string;
      }
    | {
        protocol: 'ssh';
        host: string;
        port: number;
        username: string;
        sshOptions?: { privateKey?: string };
      };
  /** Address clients use to reach published ports. */
  publishAddress: string;
  /** Capacity: at most this many instances / this much memory of ours. */
  maxInstances: number;
  memoryMiB: number;
}

export interface DockerRuntimeConfig {
  hosts: DockerHostConfig[];
  /** Seconds to wait for a container to become healthy. */
  startTimeoutSeconds: number;
}

/**
 * `dbaas.runtimes.docker`: `hosts` is a list of `{ name, url, publishAddress?, maxInstances?,
 * memoryMiB?, tls?: { ca, cert, key } (file paths), ssh?: { privateKeyFile } }` with
 * url `unix:///var/run/docker.sock`, `tcp://host:2376` or `ssh://user@host:22`.
 */
export function readDockerRuntimeConfig(config: Config): DockerRuntimeConfig {
  const hosts = (config.getOptionalConfigArray('hosts') ?? []).map(
    (host, index) => readHost(host, `dbaas.runtimes.docker.hosts[${index}]`),
  );
  if (!hosts.length) {
    throw new Error(
      "Invalid app-config at 'dbaas.runtimes.docker.hosts': list at least one Docker host, e.g. { name: local, url: unix:///var/run/docker.sock }",
    );
  }
  return {
    hosts,
    startTimeoutSeconds: config.getOptionalNumber('startTimeoutSeconds') ?? 180,
  };
}

function readHost(host: Config, key: string): DockerHostConfig {
  const name = host.getString('name');
  const url = new URL(host.getString('url'));
  const read = (file?: string) =>
    file ? fs.readFileSync(file, 'utf8') : undefined;
  let connection: DockerHostConfig['connection'];
  let address = url.hostname;
  if (url.protocol === 'unix:') {
    connection = { socketPath: url.pathname };
    address = '127.0.0.1';
  } else if (
    url.protocol === 'tcp:' ||
    url.protocol === 'http:' ||
    url.protocol === 'https:'
  ) {
    const tls = host.getOptionalConfig('tls');
    connection = {
      protocol: tls || url.protocol === 'https:' ? 'https' : 'http',
      host: url.hostname,
      port: Number(url.port || (tls ? 2376 : 2375)),
      ca: read(tls?.getOptionalString('ca')),
      cert: read(tls?.getOptionalString('cert')),
      key: read(tls?.getOptionalString('key')),
    };
  } else if (url.protocol === 'ssh:') {
    connection = {
      protocol: 'ssh',
      host: url.hostname,
      port: Number(url.port || 22),
      username: url.username || 'root',
      sshOptions: {
        privateKey: read(host.getOptionalString('ssh.privateKeyFile')),
      },
    };
  } else {
    throw new Error(
      `Invalid app-config at '${key}.url': ${url.protocol} is not supported; use unix://, tcp:// or ssh://`,
    );
  }
  return {
    name,
    connection,
    publishAddress: host.getOptionalString('publishAddress') ?? address,
    maxInstances: host.getOptionalNumber('maxInstances') ?? 50,
    memoryMiB: host.getOptionalNumber('memoryMiB') ?? 64 * 1024,
  };
}
