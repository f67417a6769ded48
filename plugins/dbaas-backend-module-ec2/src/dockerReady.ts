import {
  HostRef,
  HostSpec,
  instanceLabels,
  StepContext,
  waitFor,
} from '@dbaas/plugin-dbaas-node';
import Docker from 'dockerode';
import { Ec2RuntimeConfig } from './config';
import { ec2WaitOptions } from './vmWaits';

/** Docker on a VM over SSH; `onHostKey` hears the VM's host key while none is pinned. */
export type VmDockerFor = (
  host: HostRef,
  onHostKey?: (fingerprint: string) => void,
) => Docker;

export interface DockerReadyDeps {
  dockerFor: VmDockerFor;
  config: Pick<Ec2RuntimeConfig, 'pollIntervalSeconds'>;
}

/**
 * Waits until cloud-init has installed Docker and it answers over SSH, pins the VM's host
 * key in `ref` (unless pinned already), and makes the instance's volume when given the
 * instance's spec (at provisioning; a restarted VM has it); a connection that fails on the
 * way (sshd or Docker still starting) is asked again.
 */
export function createDockerReadyWait({ dockerFor, config }: DockerReadyDeps) {
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
        ...ec2WaitOptions(
          config,
          deadline,
          `Docker on ${ref.address} over SSH`,
        ),
        timeoutHint: () =>
          `last error: ${lastError}; see /var/log/cloud-init-output.log on the VM`,
      },
    );
    ctx.logger.info(`Docker answers on ${ref.address}; the VM is ready`);
  };
}
