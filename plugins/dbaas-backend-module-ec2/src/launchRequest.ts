import { RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import { HostSpec } from '@dbaas/plugin-dbaas-node';
import { Ec2RuntimeConfig } from './config';
import { instanceTypeFor } from './hostHints';
import { keyPairName, resourceTags } from './tags';
import { renderUserData } from './userData';

/** The block device the data volume is mapped to (xvdf / an NVMe disk on the VM). */
export const DATA_DEVICE = '/dev/sdf';

/** The token for a launch in the configured subnet at `subnetIndex`. */
export function clientToken(instanceId: string, subnetIndex: number) {
  return subnetIndex === 0 ? instanceId : `${instanceId}-${subnetIndex}`;
}

export interface LaunchInput {
  spec: HostSpec;
  imageId: string;
  /** The public half of the instance's SSH key, for the user-data. */
  publicKey: string;
  /** Which of the configured subnets to launch in. */
  subnetIndex: number;
}

export type LaunchConfig = Pick<
  Ec2RuntimeConfig,
  | 'subnetIds'
  | 'securityGroupIds'
  | 'instanceProfileName'
  | 'defaultInstanceType'
  | 'kmsKeyId'
  | 'tags'
  | 'sshUser'
  | 'registryMirrors'
  | 'insecureRegistries'
>;

/**
 * The RunInstances request for one instance's VM: IMDSv2 with a hop limit of one, an
 * encrypted gp3 data volume, the instance's own key pair and the tagged resources.
 */
export function launchRequest(
  { spec, imageId, publicKey, subnetIndex }: LaunchInput,
  config: LaunchConfig,
): RunInstancesCommandInput {
  const tags = resourceTags(spec, config.tags);
  const userData = renderUserData(
    { instanceId: spec.instanceId, publicKey },
    config,
  );
  return {
    // the same token on a retry returns the VM already started, never a second one
    ClientToken: clientToken(spec.instanceId, subnetIndex),
    ImageId: imageId,
    InstanceType: instanceTypeFor(spec.flavor, config.defaultInstanceType),
    MinCount: 1,
    MaxCount: 1,
    SubnetId: config.subnetIds[subnetIndex],
    SecurityGroupIds: config.securityGroupIds,
    IamInstanceProfile: config.instanceProfileName
      ? { Name: config.instanceProfileName }
      : undefined,
    KeyName: keyPairName(spec.instanceId),
    MetadataOptions: {
      HttpTokens: 'required',
      HttpEndpoint: 'enabled',
      // containers on the VM cannot reach the instance's credentials
      HttpPutResponseHopLimit: 1,
    },
    BlockDeviceMappings: [
      {
        DeviceName: DATA_DEVICE,
        Ebs: {
          VolumeSize: spec.storageGiB,
          VolumeType: 'gp3',
          Encrypted: true,
          KmsKeyId: config.kmsKeyId,
          DeleteOnTermination: true,
        },
      },
    ],
    UserData: Buffer.from(userData).toString('base64'),
    TagSpecifications: [
      { ResourceType: 'instance', Tags: tags },
      { ResourceType: 'volume', Tags: tags },
    ],
  };
}
