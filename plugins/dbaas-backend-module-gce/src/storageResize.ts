import crypto from 'crypto';
import { protos } from '@google-cloud/compute';
import {
  growVmDataFileSystem,
  HostRef,
  StepContext,
  VmDockerFor,
} from '@dbaas/plugin-dbaas-node';
import { GceCall, NO_CLIENT_RETRY } from './computeErrors';
import { GceRuntimeConfig } from './config';
import { GceClients } from './GceHostProvider';

type Operation = protos.google.cloud.compute.v1.IOperation;

export interface GceDayTwoDeps {
  clients: GceClients;
  config: Pick<
    GceRuntimeConfig,
    'project' | 'startTimeoutSeconds' | 'defaultMachineType'
  >;
  call: GceCall;
  /** Waits for a zone operation (the provider's), throwing its error as a typed fault. */
  untilDone: (
    what: string,
    zone: string,
    operation: Operation,
    deadline: number,
    ctx: StepContext,
  ) => Promise<void>;
  dockerFor: VmDockerFor;
}

/**
 * Grows the VM's data disk to `storageGiB` with `disks.resize` (unless it is that large
 * already), then the file system on it over SSH (resize2fs, online). Disks only grow.
 */
export function createGceStorageResize({
  clients,
  config,
  call,
  untilDone,
  dockerFor,
}: GceDayTwoDeps) {
  return async function resizeStorage(
    ref: HostRef,
    storageGiB: number,
    ctx: StepContext,
  ) {
    const deadline = Date.now() + config.startTimeoutSeconds * 1000;
    const zone = String(ref.data.zone ?? '');
    const disk = String(ref.data.dataDisk ?? '');
    const [found] = await call('disks.get', ctx, () =>
      clients.disks.get(
        { project: config.project, zone, disk },
        NO_CLIENT_RETRY,
      ),
    );
    const sizeGb = Number(found.sizeGb ?? 0);
    if (sizeGb < storageGiB) {
      const request = {
        project: config.project,
        zone,
        disk,
        // one id for this call's retries; a later call is a new request (GCE would answer a
        // reused id with its first operation, failed or not, for an hour); disks.get above
        // keeps a disk from being resized twice
        requestId: crypto.randomUUID(),
        disksResizeRequestResource: { sizeGb: String(storageGiB) },
      };
      const [operation] = await call('disks.resize', ctx, () =>
        clients.disks.resize(request, NO_CLIENT_RETRY),
      );
      ctx.logger.info(
        `Resizing disk ${disk} in ${zone} from ${sizeGb} to ${storageGiB} GiB`,
      );
      await untilDone(
        'disks.resize',
        zone,
        operation.latestResponse as Operation,
        deadline,
        ctx,
      );
    }
    await growVmDataFileSystem(dockerFor(ref), ref, storageGiB, ctx);
  };
}
