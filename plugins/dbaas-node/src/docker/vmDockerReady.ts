import Docker from 'dockerode';
import { instanceLabels } from '../imageContract';
import { HostRef, HostSpec, StepContext } from '../runtime';
import { waitFor, WaitOptions } from '../waitFor';

/** Docker on a VM over SSH; `onHostKey` hears the VM's host key while none is pinned. */
export type VmDockerFor = (
  host: HostRef,
  onHostKey?: (fingerprint: string) => void,
) => Docker;

export interface VmDockerReadyDeps {
  dockerFor: VmDockerFor;
  /** How to poll until the deadline, and what to wait for (the runtime's interval and config key). */
  waitOptions: (deadline: number, what: string) => WaitOptions;
  /** Where on the VM to look when Docker never answers (e.g. its cloud-init log). */
  bootLogHint: string;
}

/**
 * Waits until a VM's boot script has installed Docker and it answers over SSH, pins the VM's
 * host key in `ref` (unless pinned already), and makes the instance's volume when given the
 * instance's spec (at provisioning; a restarted VM has it); a connection that fails on the
 * way (sshd or Docker still starting) is asked again. For runtimes with one VM per database.
 */
export function createVmDockerReadyWait({
  dockerFor,
  waitOptions,
  bootLogHint,
}: VmDockerReadyDeps) {
  return async function waitDockerReady(
    ref: HostRef,
    spec: HostSpec | undefined,
    deadline: number,
    ctx: StepContext,
  ) {
    let lastError = '';
    await waitFor(
      async () => {
        let hostKey: string | undefined;
        try {
          await dockerFor(ref, fingerprint => {
            hostKey = fingerprint;
          }).ping();
          // the key the VM answered with is the one every later connection must see
          if (hostKey) ref.data.sshHostKeySha256 = hostKey;
          if (spec) {
            await dockerFor(ref).createVolume({
              Name: String(ref.data.volume),
              Labels: instanceLabels(spec),
            });
          }
          return true;
        } catch (error) {
          lastError = (error as Error).message;
          return undefined;
        }
      },
      ctx,
      {
        ...waitOptions(deadline, `Docker on ${ref.address} over SSH`),
        timeoutHint: () => `last error: ${lastError}; ${bootLogHint}`,
      },
    );
    ctx.logger.info(`Docker answers on ${ref.address}; the VM is ready`);
  };
}
