import {
  DisksClient,
  InstancesClient,
  ZoneOperationsClient,
} from '@google-cloud/compute';
import { LoggerService } from '@backstage/backend-plugin-api';
import {
  dockerOverSsh,
  HostRef,
  Runtime,
  SecretSealer,
  VmDockerFor,
} from '@dbaas/plugin-dbaas-node';
import { GceRuntimeConfig, parseApiEndpoint } from './config';
import { GceEngineRuntime } from './GceEngineRuntime';
import { GceClients, GceHostProvider } from './GceHostProvider';
import { machineTypeProblem } from './hostHints';

/** Client options the runtime does not read from config: credentials (e.g. `authClient`) in tests. */
export type GceClientOptions = NonNullable<
  ConstructorParameters<typeof InstancesClient>[0]
>;

/** The Compute clients for the config: the REST transport, at `apiEndpoint` when set. */
export function createGceClients(
  config: Pick<GceRuntimeConfig, 'project' | 'apiEndpoint'>,
  clientOptions: GceClientOptions = {},
): GceClients {
  const endpoint = config.apiEndpoint
    ? parseApiEndpoint(config.apiEndpoint)
    : undefined;
  const options: GceClientOptions = {
    projectId: config.project,
    fallback: true,
    ...(endpoint
      ? {
          apiEndpoint: endpoint.host,
          ...(endpoint.port ? { port: endpoint.port } : {}),
          ...(endpoint.protocol ? { protocol: endpoint.protocol } : {}),
        }
      : {}),
    ...clientOptions,
  };
  return {
    instances: new InstancesClient(options),
    disks: new DisksClient(options),
    zoneOperations: new ZoneOperationsClient(options),
  };
}

/**
 * Databases on Compute Engine VMs, one per instance: the host provider creates the VM and its
 * data disk, and the Docker runtime runs the flavor's image on it over SSH, as on EC2. Google
 * credentials come from Application Default Credentials (the backend's service account,
 * workload identity, or GOOGLE_APPLICATION_CREDENTIALS).
 */
export function createGceRuntime(
  config: GceRuntimeConfig,
  deps: {
    secretBox: SecretSealer;
    logger: LoggerService;
    clientOptions?: GceClientOptions;
    /** Docker on the VM; default: over SSH with the instance's key (tests pass a fake). */
    dockerFor?: VmDockerFor;
  },
): Runtime {
  const dockerFor =
    deps.dockerFor ??
    ((host: HostRef, onHostKey?: (fingerprint: string) => void) =>
      dockerOverSsh(host, deps.secretBox, onHostKey));
  return {
    name: 'gce',
    host: new GceHostProvider({
      clients: createGceClients(config, deps.clientOptions),
      config,
      secretBox: deps.secretBox,
      logger: deps.logger,
      dockerFor,
    }),
    engine: new GceEngineRuntime(dockerFor, {
      startTimeoutSeconds: config.startTimeoutSeconds,
      configKey: 'dbaas.runtimes.gce.startTimeoutSeconds',
    }),
    unsupportedReason: machineTypeProblem,
  };
}
