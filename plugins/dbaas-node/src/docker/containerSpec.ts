import { Endpoint } from '@dbaas/plugin-dbaas-common';
import Docker from 'dockerode';
import {
  containerName,
  ENGINE_LAYOUT,
  IMAGE_UID,
  LABEL_FLAVOR,
  LABEL_INSTANCE,
  LABEL_MANAGED_BY,
  MANAGED_BY,
  SECRETS_DIR,
  WAL_SPOOL_PATH,
  walVolumeName,
} from '../imageContract';
import { EngineSecrets, EngineSpec, HostRef } from '../runtime';

/**
 * The container Docker is asked to create for an instance's engine: the flavor's image,
 * its data on the host's volume (`host.data.volume`), the engine's port published on
 * `bindAddress` (all interfaces when undefined), and environment that names secret files
 * but never holds a secret. With `host.data.publishStandardPort` the engine's own port is
 * published (one database per VM); otherwise Docker picks a free one. A PostgreSQL container
 * also mounts its WAL spool volume and archives into it (DBAAS_WAL_SPOOL).
 */
export function containerSpec(
  host: HostRef,
  spec: EngineSpec,
  secrets: EngineSecrets,
  bindAddress: string | undefined,
): Docker.ContainerCreateOptions {
  const layout = ENGINE_LAYOUT[spec.flavor.engine];
  const port = `${layout.port}/tcp`;
  return {
    name: containerName(spec.instanceId),
    Image: spec.flavor.image,
    Env: [
      `DBAAS_DATABASE=${spec.database}`,
      `DBAAS_USER=${spec.username}`,
      `DBAAS_PASSWORD_FILE=${SECRETS_DIR}/password`,
      `DBAAS_ADMIN_PASSWORD_FILE=${SECRETS_DIR}/admin-password`,
      `DBAAS_MEMORY_MIB=${spec.flavor.memoryMiB}`,
      ...tlsEnv(spec, secrets),
      ...(archives(spec) ? [`DBAAS_WAL_SPOOL=${WAL_SPOOL_PATH}`] : []),
    ],
    Labels: {
      [LABEL_MANAGED_BY]: MANAGED_BY,
      [LABEL_INSTANCE]: spec.instanceId,
      [LABEL_FLAVOR]: spec.flavor.id,
      'dbaas.backstage.io/memory-mib': String(spec.flavor.memoryMiB),
    },
    ExposedPorts: { [port]: {} },
    HostConfig: {
      Mounts: [
        {
          Type: 'volume',
          Source: String(host.data.volume),
          Target: layout.dataPath,
        },
        ...(archives(spec)
          ? [
              {
                Type: 'volume' as const,
                Source: walVolumeName(spec.instanceId),
                Target: WAL_SPOOL_PATH,
              },
            ]
          : []),
      ],
      PortBindings: {
        [port]: [
          {
            HostIp: bindAddress ?? '',
            HostPort: host.data.publishStandardPort ? String(layout.port) : '',
          },
        ],
      },
      Memory: spec.flavor.memoryMiB * 1024 * 1024,
      NanoCpus: Math.round(spec.flavor.cpu * 1e9),
      RestartPolicy: { Name: 'unless-stopped' },
    },
  };
}

/** Whether the runtime archives the engine's log into a spool volume (PostgreSQL's WAL). */
export function archives(spec: EngineSpec) {
  return spec.flavor.engine === 'postgresql';
}

/**
 * The files put into the container's secrets dir (for tarFiles): readable only by the
 * image's user. Secrets go in as files, never as environment that `docker inspect` shows.
 */
export function secretFiles(secrets: EngineSecrets) {
  const files: Record<string, string> = {
    password: secrets.password,
    'admin-password': secrets.adminPassword,
    ...(secrets.tls
      ? {
          'tls.crt': secrets.tls.certificatePem,
          'tls.key': secrets.tls.privateKeyPem,
          'ca.crt': secrets.tls.caPem,
        }
      : {}),
  };
  return Object.entries(files).map(([name, content]) => ({
    name,
    content,
    mode: 0o400,
    uid: IMAGE_UID,
    gid: IMAGE_UID,
  }));
}

/** Where the image finds its certificate (see images/), and whether it refuses plain text. */
function tlsEnv(spec: EngineSpec, secrets: EngineSecrets): string[] {
  if (!secrets.tls) return [];
  return [
    `DBAAS_TLS_CERT_FILE=${SECRETS_DIR}/tls.crt`,
    `DBAAS_TLS_KEY_FILE=${SECRETS_DIR}/tls.key`,
    `DBAAS_TLS_CA_FILE=${SECRETS_DIR}/ca.crt`,
    `DBAAS_TLS_REQUIRE=${spec.flavor.tls?.require ? 'true' : 'false'}`,
  ];
}

/**
 * The endpoint of a container from `docker inspect`: the application database on the
 * host port its engine's port is published on; undefined while none is.
 */
export function publishedEndpoint(
  host: HostRef,
  spec: EngineSpec,
  info: Docker.ContainerInspectInfo,
): Endpoint | undefined {
  const port = `${ENGINE_LAYOUT[spec.flavor.engine].port}/tcp`;
  const binding = info.NetworkSettings.Ports[port]?.[0];
  if (!binding) return undefined;
  return {
    host: host.address,
    port: Number(binding.HostPort),
    database: spec.database,
    user: spec.username,
  };
}
