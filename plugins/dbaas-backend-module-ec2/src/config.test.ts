import { ConfigReader } from '@backstage/config';
import { DEFAULT_AMI_SSM_PARAMETER, readEc2RuntimeConfig } from './config';

const minimal = {
  region: 'eu-west-1',
  subnetIds: ['subnet-a'],
  securityGroupIds: ['sg-db'],
};

describe('readEc2RuntimeConfig', () => {
  it('fills defaults: the Debian 12 AMI parameter, t3.medium, private address, user dbaas', () => {
    expect(readEc2RuntimeConfig(new ConfigReader(minimal))).toEqual({
      ...minimal,
      endpoint: undefined,
      ami: { ssmParameter: DEFAULT_AMI_SSM_PARAMETER },
      instanceProfileName: undefined,
      defaultInstanceType: 't3.medium',
      addressType: 'private',
      kmsKeyId: undefined,
      sshUser: 'dbaas',
      tags: {},
      registryMirrors: [],
      insecureRegistries: [],
      startTimeoutSeconds: 540,
      pollIntervalSeconds: 5,
      apiMaxAttempts: 6,
    });
  });

  it('names the key and the allowed values on bad input', () => {
    const read = (extra: object) => () =>
      readEc2RuntimeConfig(new ConfigReader({ ...minimal, ...extra }));
    expect(read({ subnetIds: [] })).toThrow(
      "Invalid app-config at 'dbaas.runtimes.ec2.subnetIds': list at least one id",
    );
    expect(read({ addressType: 'elastic' })).toThrow(
      "Invalid app-config at 'dbaas.runtimes.ec2.addressType': 'elastic' is not allowed; use private or public",
    );
    expect(read({ amiId: 'ami-1', amiSsmParameter: '/x' })).toThrow(
      'set amiId or amiSsmParameter, not both',
    );
    expect(read({ pollIntervalSeconds: 0 })).toThrow(
      "Invalid app-config at 'dbaas.runtimes.ec2.pollIntervalSeconds': 0 is not allowed; use a number above 0 (default 5)",
    );
    expect(read({ sshUser: 'root' })).toThrow(
      "Invalid app-config at 'dbaas.runtimes.ec2.sshUser': 'root' is not allowed",
    );
    expect(read({ tags: { 'aws:createdBy': 'me' } })).toThrow(
      "Invalid app-config at 'dbaas.runtimes.ec2.tags': aws:createdBy cannot be set",
    );
    expect(read({ subnetId: 'subnet-typo' })).toThrow(
      /unknown key\(s\) subnetId; allowed: region, endpoint, amiId/,
    );
  });

  it('reads an AMI id and extra tags', () => {
    const config = readEc2RuntimeConfig(
      new ConfigReader({
        ...minimal,
        amiId: 'ami-0pinned',
        tags: { 'cost-center': 'platform' },
      }),
    );
    expect(config.ami).toEqual({ id: 'ami-0pinned' });
    expect(config.tags).toEqual({ 'cost-center': 'platform' });
  });
});
