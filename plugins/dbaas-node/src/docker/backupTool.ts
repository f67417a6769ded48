import Docker from 'dockerode';
import { containerName } from '../imageContract';
import { EngineSpec, HostRef, RuntimeFault } from '../runtime';
import type { DockerEngineRuntime } from './DockerEngineRuntime';
import { execIn } from './dockerExec';

/**
 * The instance's container for a backup: it must run (`info`, as inspected) and have the
 * image's backup `script`, which images from before backups lack (rebuild and recreate).
 */
export async function backupContainer(
  runtime: DockerEngineRuntime,
  host: HostRef,
  spec: EngineSpec,
  info: Docker.ContainerInspectInfo | undefined,
  script: string,
  what: string,
): Promise<Docker.Container> {
  if (!info?.State.Running) {
    throw new RuntimeFault(
      'ENGINE_UNAVAILABLE',
      `container ${containerName(
        spec.instanceId,
      )} is not running: ${what} needs it running`,
    );
  }
  const container = runtime.container(host, spec.instanceId);
  const tool = await execIn(container, ['sh', '-c', `command -v ${script}`]);
  if (tool.exitCode !== 0) {
    throw new RuntimeFault(
      'ENGINE_UNAVAILABLE',
      `container ${containerName(spec.instanceId)} runs ${
        spec.flavor.image
      } from before backups (no ${script}): rebuild the image (images/build.sh) and recreate the container`,
    );
  }
  return container;
}
