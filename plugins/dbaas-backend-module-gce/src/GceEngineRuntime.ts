import { Endpoint } from '@dbaas/plugin-dbaas-common';
import { EngineHealth, EngineRuntime, RuntimeFault } from '@dbaas/plugin-dbaas-node';

export const ENGINE_NOT_YET =
  'The GCE runtime creates, finds and deletes the VM, but running the flavor on it (Docker over SSH, as on EC2) lands next (issue #20); use another runtime for this flavor until then';

const notYet = (): never => {
  throw new RuntimeFault('ENGINE_UNAVAILABLE', ENGINE_NOT_YET);
};

/**
 * The engine side of the GCE runtime, not built yet: every call fails with ENGINE_UNAVAILABLE
 * saying so. Removing a server that never ran is success, so that destroy can clean up a VM.
 */
export class GceEngineRuntime implements EngineRuntime {
  async deploy(): Promise<Endpoint> {
    return notYet();
  }
  async health(): Promise<EngineHealth> {
    return { state: 'unknown', message: ENGINE_NOT_YET };
  }
  async stop(): Promise<void> {
    notYet();
  }
  async start(): Promise<void> {
    notYet();
  }
  /** Nothing to do: deleting the VM (host.destroy, always next) takes the server with it. */
  async remove(): Promise<void> {}
}
