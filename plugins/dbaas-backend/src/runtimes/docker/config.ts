import { Config } from '@backstage/config';
import fs from 'fs';
import net from 'net';
import { hostKeyFingerprint } from '@dbaas/plugin-dbaas-node';
import {
  configNumber,
  InvalidConfigError,
  parseConfigBlock,
} from '@dbaas/plugin-dbaas-common';
import { z } from 'zod';

const KEY = 'dbaas.runtimes.docker';

const dockerHostSchema = z
  .object({
    name: z.string().min(1),
    url: z
      .string()
      .regex(
        /^(unix|tcp|http|https|ssh):\/\//,
        'must be unix:///var/run/docker.sock, tcp://host:2376 (with tls) or ssh://user@host:22 (with ssh.hostKey)',
      ),
    publishAddress: z.string().min(1).optional(),
    bindAddress: z.string().min(1).optional(),
    maxInstances: configNumber().pipe(z.number().int().positive()).optional(),
    memoryMiB: configNumber().pipe(z.number().int().positive()).optional(),
    tls: z
      .object({
        ca: z.string().min(1).optional(),
        cert: z.string().min(1).optional(),
        key: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    ssh: z
      .object({
        privateKeyFile: z.string().min(1).optional(),
        hostKey: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** `dbaas.runtimes.docker`, as the Manager's config schema checks it. */
export const dockerRuntimeSchema = z
  .object({
    hosts: z.array(dockerHostSchema).optional(),
    startTimeoutSeconds: configNumber()
      .pipe(z.number().int().positive())
      .optional(),
  })
  .strict();

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
        sshOptions: {
          privateKey?: string;
          /** Accepts only the pinned host key (`ssh.hostKey`). */
          hostVerifier: (key: Buffer) => boolean;
        };
      };
  /** Address clients use to reach published ports. */
  publishAddress: string;
  /** The host's IP address that published ports bind to (never all interfaces). */
  bindAddress: string;
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
 * `dbaas.runtimes.docker`: `hosts` is a list of `{ name, url, publishAddress?, bindAddress?,
 * maxInstances?, memoryMiB?, tls?: { ca, cert, key } (file paths), ssh?: { privateKeyFile,
 * hostKey } }` with url `unix:///var/run/docker.sock`, `tcp://host:2376` (with `tls`) or
 * `ssh://user@host:22` (with `ssh.hostKey`). A remote engine's API gives root on its host,
 * so it is reached only over TLS or SSH with a pinned host key.
 */
export function readDockerRuntimeConfig(config: Config): DockerRuntimeConfig {
  parseConfigBlock(dockerRuntimeSchema, config.get(), KEY);
  const hosts = (config.getOptionalConfigArray('hosts') ?? []).map(
    (host, index) => readHost(host, `${KEY}.hosts[${index}]`),
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
  let url: URL;
  try {
    url = new URL(host.getString('url'));
  } catch {
    throw new InvalidConfigError(
      `${key}.url`,
      // the value itself is left out: a URL may carry a password
      'is not a URL; e.g. unix:///var/run/docker.sock, tcp://host:2376 or ssh://user@host:22',
    );
  }
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
    if (!tls && url.protocol !== 'https:') {
      throw new Error(
        `Invalid app-config at '${key}.tls': required for ${url.protocol}// hosts, e.g. { ca: ca.pem, cert: cert.pem, key: key.pem }; Docker's API over plain TCP gives root on the host to anyone who reaches it (or use ssh:// with ssh.hostKey)`,
      );
    }
    connection = {
      protocol: tls || url.protocol === 'https:' ? 'https' : 'http',
      host: url.hostname,
      port: Number(url.port || (tls ? 2376 : 2375)),
      ca: read(tls?.getOptionalString('ca')),
      cert: read(tls?.getOptionalString('cert')),
      key: read(tls?.getOptionalString('key')),
    };
  } else if (url.protocol === 'ssh:') {
    const hostKey = host.getOptionalString('ssh.hostKey');
    if (!hostKey) {
      throw new Error(
        `Invalid app-config at '${key}.ssh.hostKey': required for ssh:// hosts: the host key to pin, as its SHA256 fingerprint ('SHA256:…', from ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) or a known_hosts line`,
      );
    }
    const pinned = pinnedFingerprint(hostKey, `${key}.ssh.hostKey`);
    connection = {
      protocol: 'ssh',
      host: url.hostname,
      port: Number(url.port || 22),
      username: url.username || 'root',
      sshOptions: {
        privateKey: read(host.getOptionalString('ssh.privateKeyFile')),
        hostVerifier: (offered: Buffer) =>
          hostKeyFingerprint(offered) === pinned,
      },
    };
  } else {
    throw new Error(
      `Invalid app-config at '${key}.url': ${url.protocol} is not supported; use unix://, tcp:// or ssh://`,
    );
  }
  const publishAddress = host.getOptionalString('publishAddress') ?? address;
  const bindAddress =
    host.getOptionalString('bindAddress') ??
    (net.isIP(unbracket(publishAddress))
      ? unbracket(publishAddress)
      : undefined);
  if (!bindAddress || !net.isIP(bindAddress)) {
    throw new Error(
      `Invalid app-config at '${key}.bindAddress': published ports bind to an IP address of the Docker host, and publishAddress '${publishAddress}' is none; set bindAddress to the host's address that name points at`,
    );
  }
  return {
    name,
    connection,
    publishAddress,
    bindAddress,
    maxInstances: host.getOptionalNumber('maxInstances') ?? 50,
    memoryMiB: host.getOptionalNumber('memoryMiB') ?? 64 * 1024,
  };
}

function unbracket(address: string) {
  return address.replace(/^\[(.*)\]$/, '$1');
}

/**
 * The SHA256 fingerprint (base64, no padding, as `ssh-keygen -l` prints it without
 * `SHA256:`) of a pinned host key given as `SHA256:…`, a known_hosts line, or a public key.
 */
export function pinnedFingerprint(value: string, key: string): string {
  const text = value.trim();
  const fingerprint = text.match(/^SHA256:([A-Za-z0-9+/]{43})=?$/);
  if (fingerprint) return fingerprint[1];
  // `[host] type base64 [comment]` or `type base64 [comment]`
  const fields = text.split(/\s+/);
  const at = fields.findIndex(f =>
    /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-\S+)$/.test(f),
  );
  const blob = at >= 0 ? fields[at + 1] : undefined;
  if (!blob || !/^[A-Za-z0-9+/]+=*$/.test(blob)) {
    throw new Error(
      `Invalid app-config at '${key}': '${text.slice(
        0,
        40,
      )}…' is neither a 'SHA256:…' fingerprint nor a known_hosts line with a key type and its base64 key`,
    );
  }
  return hostKeyFingerprint(Buffer.from(blob, 'base64'));
}
