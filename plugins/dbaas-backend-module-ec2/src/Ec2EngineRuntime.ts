import {
  DockerEngineRuntime,
  EngineSpec,
  HostRef,
} from '@dbaas/plugin-dbaas-node';

/** The Docker runtime on an EC2 VM, over SSH. */
export class Ec2EngineRuntime extends DockerEngineRuntime {
  /**
   * Nothing to do: terminating the VM (host.destroy, always next) stops the container with
   * it. Asking Docker first would block the clean-up of a VM whose Docker never answered.
   */
  async remove(_host: HostRef, _spec: EngineSpec): Promise<void> {}
}
