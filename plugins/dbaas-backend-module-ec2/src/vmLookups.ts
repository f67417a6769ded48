import {
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeVolumesCommand,
  EC2Client,
  Instance,
} from '@aws-sdk/client-ec2';
import { StepContext } from '@dbaas/plugin-dbaas-node';
import { AwsCall, AwsFault } from './awsErrors';
import { Ec2RuntimeConfig } from './config';
import { clientToken } from './launchRequest';
import { byInstanceTag, keyPairName } from './tags';

const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];

export interface VmLookupDeps {
  ec2: EC2Client;
  config: Pick<Ec2RuntimeConfig, 'subnetIds'>;
  call: AwsCall;
}

/** What EC2 holds for an instance: its VMs, its key pair and its volumes (read only). */
export function createVmLookups({ ec2, config, call }: VmLookupDeps) {
  /**
   * Every live VM launched for the instance, by its tag and by the launch's client tokens
   * (a look-up by tag can lag just after a launch).
   */
  async function findVms(instanceId: string, ctx?: StepContext) {
    const live = { Name: 'instance-state-name', Values: LIVE_STATES };
    const tokens = config.subnetIds.map((_, i) => clientToken(instanceId, i));
    const answers = await Promise.all(
      [
        [...byInstanceTag(instanceId), live],
        [{ Name: 'client-token', Values: tokens }, live],
      ].map(Filters =>
        call('DescribeInstances', ctx, () =>
          ec2.send(new DescribeInstancesCommand({ Filters })),
        ),
      ),
    );
    const vms = new Map<string, Instance>();
    for (const answer of answers) {
      for (const vm of answer.Reservations?.flatMap(r => r.Instances ?? []) ??
        []) {
        vms.set(vm.InstanceId!, vm);
      }
    }
    return [...vms.values()];
  }

  async function describeVm(id: string, ctx?: StepContext) {
    try {
      const result = await call('DescribeInstances', ctx, () =>
        ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] })),
      );
      return result.Reservations?.flatMap(r => r.Instances ?? [])[0];
    } catch (error) {
      // just launched and not yet visible (eventual consistency), or long gone
      if ((error as AwsFault).awsCode === 'InvalidInstanceID.NotFound') {
        return undefined;
      }
      throw error;
    }
  }

  async function keyPairExists(instanceId: string, ctx?: StepContext) {
    try {
      await call('DescribeKeyPairs', ctx, () =>
        ec2.send(
          new DescribeKeyPairsCommand({ KeyNames: [keyPairName(instanceId)] }),
        ),
      );
      return true;
    } catch (error) {
      if ((error as AwsFault).awsCode === 'InvalidKeyPair.NotFound')
        return false;
      throw error;
    }
  }

  async function taggedVolumes(instanceId: string, ctx?: StepContext) {
    const result = await call('DescribeVolumes', ctx, () =>
      ec2.send(
        new DescribeVolumesCommand({ Filters: byInstanceTag(instanceId) }),
      ),
    );
    return result.Volumes ?? [];
  }

  return { findVms, describeVm, keyPairExists, taggedVolumes };
}

export type VmLookups = ReturnType<typeof createVmLookups>;
