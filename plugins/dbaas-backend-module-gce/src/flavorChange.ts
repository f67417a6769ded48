import crypto from 'crypto';
import { protos } from '@google-cloud/compute';
import { Flavor } from '@dbaas/plugin-dbaas-common';
import { HostRef, StepContext } from '@dbaas/plugin-dbaas-node';
import { NO_CLIENT_RETRY } from './computeErrors';
import { machineTypeFor } from './hostHints';
import { GceDayTwoDeps } from './storageResize';

type Operation = protos.google.cloud.compute.v1.IOperation;
type Instance = protos.google.cloud.compute.v1.IInstance;

/**
 * Gives the stopped VM the flavor's machine type with `instances.setMachineType` (the Manager
 * stops the VM first and starts it after); a VM of that type already is left as it is.
 */
export function createGceFlavorChange({
  clients,
  config,
  call,
  untilDone,
}: GceDayTwoDeps) {
  return async function changeFlavor(
    ref: HostRef,
    stopped: Instance,
    flavor: Flavor,
    ctx: StepContext,
  ) {
    const deadline = Date.now() + config.startTimeoutSeconds * 1000;
    const zone = String(ref.data.zone ?? '');
    const instance = String(ref.data.gceInstanceName ?? '');
    const type = machineTypeFor(flavor, config.defaultMachineType);
    if (String(stopped.machineType ?? '').endsWith(`/machineTypes/${type}`)) {
      return;
    }
    const request = {
      project: config.project,
      zone,
      instance,
      requestId: crypto.randomUUID(),
      instancesSetMachineTypeRequestResource: {
        machineType: `zones/${zone}/machineTypes/${type}`,
      },
    };
    const [operation] = await call('instances.setMachineType', ctx, () =>
      clients.instances.setMachineType(request, NO_CLIENT_RETRY),
    );
    ctx.logger.info(`VM ${instance} in ${zone} becomes a ${type}`);
    await untilDone(
      'instances.setMachineType',
      zone,
      operation.latestResponse as Operation,
      deadline,
      ctx,
    );
  };
}
