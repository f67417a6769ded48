import { EC2Client, ModifyInstanceAttributeCommand } from '@aws-sdk/client-ec2';
import { Flavor } from '@dbaas/plugin-dbaas-common';
import { RuntimeFault, StepContext } from '@dbaas/plugin-dbaas-node';
import { AwsCall, AwsFault } from './awsErrors';
import { Ec2RuntimeConfig } from './config';
import { instanceTypeFor } from './hostHints';
import { VmLookups } from './vmLookups';

/** What EC2 answers ModifyInstanceAttribute with for an instance type it will not give this VM. */
const TYPE_REFUSED = new Set([
  'InvalidInstanceAttributeValue',
  'InvalidParameterValue',
  'InvalidInstanceType',
  'Unsupported',
  'UnsupportedOperation',
]);

export interface FlavorChangeDeps {
  ec2: EC2Client;
  config: Pick<Ec2RuntimeConfig, 'defaultInstanceType'>;
  call: AwsCall;
  lookups: Pick<VmLookups, 'describeVm'>;
}

/**
 * Gives a stopped VM the instance type a flavor is launched as (its runtimeHints.ec2.instanceType,
 * else defaultInstanceType): ModifyInstanceAttribute, then DescribeInstances to see it took. A VM
 * of that type already is left as it is, in any state; any other must be stopped (EC2 changes
 * the type of a stopped VM only), which the Manager sees to before it calls this.
 */
export function createFlavorChange({
  ec2,
  config,
  call,
  lookups,
}: FlavorChangeDeps) {
  async function present(vmId: string, ctx: StepContext) {
    const vm = await lookups.describeVm(vmId, ctx);
    const state = vm?.State?.Name;
    if (!vm || state === 'terminated' || state === 'shutting-down') {
      throw new RuntimeFault(
        'HOST_UNAVAILABLE',
        `VM ${vmId} is ${state ?? 'gone'}: there is no VM to give another size`,
      );
    }
    return vm;
  }

  return async function changeFlavor(
    vmId: string,
    flavor: Flavor,
    ctx: StepContext,
  ) {
    const wanted = instanceTypeFor(flavor, config.defaultInstanceType);
    const vm = await present(vmId, ctx);
    if (vm.InstanceType === wanted) {
      ctx.logger.info(
        `VM ${vmId} is ${wanted} already (flavor ${flavor.id}); not modified`,
      );
      return;
    }
    const state = vm.State?.Name;
    if (state !== 'stopped') {
      throw new RuntimeFault(
        'HOST_UNAVAILABLE',
        `VM ${vmId} is ${state}, not stopped: EC2 changes its instance type (${vm.InstanceType} to ${wanted} for flavor ${flavor.id}) only while it is stopped`,
      );
    }
    try {
      await call('ModifyInstanceAttribute', ctx, () =>
        ec2.send(
          new ModifyInstanceAttributeCommand({
            InstanceId: vmId,
            InstanceType: { Value: wanted },
          }),
        ),
      );
    } catch (error) {
      throw refused(error, vmId, vm.InstanceType, wanted, flavor);
    }
    ctx.logger.info(
      `VM ${vmId} changed from ${vm.InstanceType} to ${wanted} (flavor ${flavor.id})`,
    );
    const changed = await present(vmId, ctx);
    if (changed.InstanceType !== wanted) {
      throw new RuntimeFault(
        'HOST_UNAVAILABLE',
        `VM ${vmId} is still ${changed.InstanceType} after EC2 accepted the change to ${wanted} (flavor ${flavor.id})`,
      );
    }
  };
}

/** ModifyInstanceAttribute's refusals as faults naming the VM, the type and what to do. */
function refused(
  error: unknown,
  vmId: string,
  from: string | undefined,
  wanted: string,
  flavor: Flavor,
): Error {
  if (!(error instanceof AwsFault)) return error as Error;
  const keeps = `VM ${vmId} stays ${from ?? 'as it was'} and stopped`;
  if (TYPE_REFUSED.has(error.awsCode)) {
    return new AwsFault(
      'HOST_UNAVAILABLE',
      `EC2 will not make VM ${vmId} an instance type ${wanted} (flavor ${flavor.id}): ${error.message}; ${keeps}. Give the flavor an instance type EC2 offers in the VM's Availability Zone for its AMI (runtimeHints.ec2.instanceType)`,
      error.awsCode,
    );
  }
  if (error.awsCode === 'IncorrectInstanceState') {
    return new AwsFault(
      'HOST_UNAVAILABLE',
      `VM ${vmId} is not stopped (someone started it?): its instance type can only be changed to ${wanted} while it is stopped; ${error.message}`,
      error.awsCode,
    );
  }
  return error;
}

export type FlavorChange = ReturnType<typeof createFlavorChange>;
