import { DockerEngineRuntime, Runtime } from '@dbaas/plugin-dbaas-node';
import { DockerRuntimeConfig } from './config';
import { DockerHostProvider } from './DockerHostProvider';
import { DockerHosts } from './DockerHosts';

export { readDockerRuntimeConfig } from './config';
export type { DockerRuntimeConfig, DockerHostConfig } from './config';

/** Databases as containers of the flavors' images on the configured Docker engines. */
export function createDockerRuntime(config: DockerRuntimeConfig): Runtime {
  const hosts = new DockerHosts(config.hosts);
  return {
    name: 'docker',
    host: new DockerHostProvider(hosts),
    engine: new DockerEngineRuntime(
      ref => hosts.client(String(ref.data.host)),
      {
        startTimeoutSeconds: config.startTimeoutSeconds,
        configKey: 'dbaas.runtimes.docker.startTimeoutSeconds',
        // only on the address clients are told (publishAddress), never on every interface
        bindAddress: ref => hosts.config(String(ref.data.host))?.bindAddress,
      },
    ),
    poolable: true,
    // any flavor with an image; whether the image exists is known at deploy
    unsupportedReason: () => undefined,
  };
}
