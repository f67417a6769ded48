import { HostSpec } from '@dbaas/plugin-dbaas-node';
import { postgresFlavor } from '@dbaas/plugin-dbaas-node/testUtils';
import {
  clientToken,
  DATA_DEVICE,
  LaunchConfig,
  launchRequest,
} from './launchRequest';
import { renderUserData } from './userData';

const config: LaunchConfig = {
  subnetIds: ['subnet-a', 'subnet-b'],
  securityGroupIds: ['sg-db'],
  defaultInstanceType: 't3.medium',
  kmsKeyId: 'alias/dbaas',
  sshUser: 'dbaas',
  tags: { 'cost-center': 'platform' },
  registryMirrors: [],
  insecureRegistries: [],
};

const spec: HostSpec = {
  instanceId: '3f6d0b5e-7a51-4c1e-9a55-0e2b8d1c4f00',
  instanceName: 'orders-db',
  owner: 'group:default/team-a',
  flavor: postgresFlavor,
  storageGiB: 20,
};

const input = {
  spec,
  imageId: 'ami-0debian',
  publicKey: 'ssh-ed25519 AAAAC3Nza test',
  subnetIndex: 0,
};

describe('clientToken', () => {
  it('is the instance id in the first subnet, suffixed with the index in the others', () => {
    expect(clientToken('abc', 0)).toBe('abc');
    expect(clientToken('abc', 2)).toBe('abc-2');
  });
});

describe('launchRequest', () => {
  it('asks for one VM with IMDSv2, an encrypted gp3 data volume, its key pair and tags', () => {
    const request = launchRequest(input, config);
    expect(request).toEqual({
      ClientToken: spec.instanceId,
      ImageId: 'ami-0debian',
      InstanceType: 't3.medium',
      MinCount: 1,
      MaxCount: 1,
      SubnetId: 'subnet-a',
      SecurityGroupIds: ['sg-db'],
      IamInstanceProfile: undefined,
      KeyName: `dbaas-${spec.instanceId}`,
      MetadataOptions: {
        HttpTokens: 'required',
        HttpEndpoint: 'enabled',
        HttpPutResponseHopLimit: 1,
      },
      BlockDeviceMappings: [
        {
          DeviceName: DATA_DEVICE,
          Ebs: {
            VolumeSize: 20,
            VolumeType: 'gp3',
            Encrypted: true,
            KmsKeyId: 'alias/dbaas',
            DeleteOnTermination: true,
          },
        },
      ],
      UserData: expect.any(String),
      TagSpecifications: [
        { ResourceType: 'instance', Tags: expect.any(Array) },
        { ResourceType: 'volume', Tags: expect.any(Array) },
      ],
    });
    expect(Buffer.from(request.UserData!, 'base64').toString()).toBe(
      renderUserData(
        { instanceId: spec.instanceId, publicKey: input.publicKey },
        config,
      ),
    );
    expect(request.TagSpecifications![0].Tags).toEqual(
      expect.arrayContaining([
        { Key: 'dbaas.backstage.io/instance-id', Value: spec.instanceId },
        { Key: 'dbaas.backstage.io/managed-by', Value: 'backstage-dbaas' },
        { Key: 'Name', Value: 'dbaas-orders-db' },
        { Key: 'cost-center', Value: 'platform' },
      ]),
    );
  });

  it("takes the subnet and token of its index, the flavor's instance type and the instance profile", () => {
    const request = launchRequest(
      {
        ...input,
        spec: {
          ...spec,
          flavor: {
            ...postgresFlavor,
            runtimeHints: { ec2: { instanceType: 't3.large' } },
          },
        },
        subnetIndex: 1,
      },
      { ...config, instanceProfileName: 'dbaas-db-host' },
    );
    expect(request).toMatchObject({
      ClientToken: `${spec.instanceId}-1`,
      SubnetId: 'subnet-b',
      InstanceType: 't3.large',
      IamInstanceProfile: { Name: 'dbaas-db-host' },
    });
  });
});
