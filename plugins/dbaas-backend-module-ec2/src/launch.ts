import {
  EC2Client,
  ImportKeyPairCommand,
  Instance,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { HostSpec, RuntimeFault, StepContext } from '@dbaas/plugin-dbaas-node';
import { AwsCall, AwsFault } from './awsErrors';
import { Ec2RuntimeConfig } from './config';
import { launchRequest } from './launchRequest';
import { SshKeyPair } from '@dbaas/plugin-dbaas-node';
import { keyPairName, resourceTags } from './tags';
import { VmLookups } from './vmLookups';

export interface LaunchDeps {
  ec2: EC2Client;
  ssm: SSMClient;
  config: Ec2RuntimeConfig;
  call: AwsCall;
  lookups: Pick<VmLookups, 'findVms'>;
  keyPair: (instanceId: string) => SshKeyPair;
}

/**
 * Launches an instance's VM: imports its key pair, resolves the AMI, and asks each
 * configured subnet in turn until one has capacity.
 */
export function createLauncher(deps: LaunchDeps) {
  const { ec2, ssm, config, call, lookups } = deps;

  async function importKeyPair(
    spec: HostSpec,
    publicKey: string,
    ctx: StepContext,
  ) {
    await call('ImportKeyPair', ctx, () =>
      ec2.send(
        new ImportKeyPairCommand({
          KeyName: keyPairName(spec.instanceId),
          PublicKeyMaterial: Buffer.from(publicKey),
          TagSpecifications: [
            { ResourceType: 'key-pair', Tags: resourceTags(spec, config.tags) },
          ],
        }),
      ),
    ).catch(error => {
      // a retry after a crash: the same derived key is already there
      if ((error as AwsFault).awsCode !== 'InvalidKeyPair.Duplicate')
        throw error;
    });
  }

  async function resolveAmi(ctx: StepContext): Promise<string> {
    const ami = config.ami;
    if ('id' in ami) return ami.id;
    const result = await call('GetParameter', ctx, () =>
      ssm.send(new GetParameterCommand({ Name: ami.ssmParameter })),
    );
    const id = result.Parameter?.Value;
    if (!id) {
      throw new RuntimeFault(
        'HOST_UNAVAILABLE',
        `SSM parameter ${ami.ssmParameter} holds no AMI id (dbaas.runtimes.ec2.amiSsmParameter)`,
      );
    }
    return id;
  }

  return async function launch(
    spec: HostSpec,
    ctx: StepContext,
  ): Promise<Instance> {
    const { publicKey } = deps.keyPair(spec.instanceId);
    await importKeyPair(spec, publicKey, ctx);
    const imageId = await resolveAmi(ctx);
    const subnets = config.subnetIds;
    for (const [subnetIndex, subnetId] of subnets.entries()) {
      const request = launchRequest(
        { spec, imageId, publicKey, subnetIndex },
        config,
      );
      try {
        const result = await call('RunInstances', ctx, () =>
          ec2.send(new RunInstancesCommand(request)),
        );
        const vm = result.Instances![0];
        ctx.logger.info(
          `Launched VM ${vm.InstanceId} (${request.InstanceType}, ${imageId}) in ${subnetId} with a ${spec.storageGiB} GiB encrypted gp3 volume`,
        );
        return vm;
      } catch (error) {
        const code = (error as AwsFault).awsCode;
        if (code === 'IdempotentParameterMismatch') {
          // this token launched a VM before, with other parameters (a newer AMI, say)
          const [earlier] = await lookups.findVms(spec.instanceId, ctx);
          if (earlier) return earlier;
        }
        const last = subnetIndex === subnets.length - 1;
        if (last || code !== 'InsufficientInstanceCapacity') {
          throw error;
        }
        ctx.logger.warn(
          `No ${request.InstanceType} capacity in ${subnetId}; trying ${
            subnets[subnetIndex + 1]
          }`,
        );
      }
    }
    throw new RuntimeFault('INTERNAL', 'no subnet configured');
  };
}
