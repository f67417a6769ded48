import {
  DeleteKeyPairCommand,
  DeleteVolumeCommand,
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  DescribeInstancesCommandOutput,
  DescribeKeyPairsCommand,
  DescribeVolumesCommand,
  EC2Client,
  ImportKeyPairCommand,
  InstanceStateName,
  RunInstancesCommand,
  RunInstancesCommandOutput,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { LoggerService } from '@backstage/backend-plugin-api';
import { mockClient } from 'aws-sdk-client-mock';
import { execFileSync } from 'child_process';
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import Docker from 'dockerode';
import { SecretBox } from '@dbaas/plugin-dbaas-backend';
import {
  postgresFlavor,
  TEST_ENCRYPTION_KEY,
} from '@dbaas/plugin-dbaas-node/testUtils';
import {
  HostRef,
  HostSpec,
  RuntimeFault,
  StepContext,
} from '@dbaas/plugin-dbaas-node';
import { Ec2RuntimeConfig } from './config';
import { Ec2HostProvider } from './Ec2HostProvider';
import { launchRequest } from './launchRequest';

const config: Ec2RuntimeConfig = {
  region: 'eu-west-1',
  ami: { ssmParameter: '/aws/service/debian/release/bookworm/latest/amd64' },
  subnetIds: ['subnet-a', 'subnet-b'],
  securityGroupIds: ['sg-db'],
  instanceProfileName: 'dbaas-db-host',
  defaultInstanceType: 't3.medium',
  addressType: 'private',
  kmsKeyId: 'alias/dbaas',
  sshUser: 'dbaas',
  tags: { 'cost-center': 'platform' },
  registryMirrors: [],
  insecureRegistries: [],
  startTimeoutSeconds: 5,
  pollIntervalSeconds: 0.01,
  apiMaxAttempts: 3,
};

const spec: HostSpec = {
  instanceId: '3f6d0b5e-7a51-4c1e-9a55-0e2b8d1c4f00',
  instanceName: 'orders-db',
  owner: 'group:default/team-a',
  flavor: {
    ...postgresFlavor,
    runtimeHints: { ec2: { instanceType: 't3.large' } },
  },
  storageGiB: 20,
};

const vm = (
  state: string,
  extra: object = {},
): DescribeInstancesCommandOutput => ({
  $metadata: {},
  Reservations: [
    {
      Instances: [
        {
          InstanceId: 'i-0abc',
          State: { Name: state as InstanceStateName },
          PrivateIpAddress: '10.0.1.23',
          ...extra,
        },
      ],
    },
  ],
});

/** The HostRef the Manager recorded for the VM i-0abc. */
const recordedHost: HostRef = {
  runtime: 'ec2',
  instanceId: spec.instanceId,
  address: '10.0.1.23',
  data: { ec2InstanceId: 'i-0abc' },
};

/** RunInstances answers with the reservation itself. */
const launched: RunInstancesCommandOutput = {
  ...vm('pending').Reservations![0],
  $metadata: {},
};

/** What OpenSSH says the public half of a private key is. */
function publicHalf(privateKey: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbaas-key-'));
  try {
    fs.writeFileSync(path.join(dir, 'key'), privateKey, { mode: 0o600 });
    return execFileSync('ssh-keygen', ['-y', '-f', path.join(dir, 'key')])
      .toString()
      .trim();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function awsError(name: string, message = `${name} happened`) {
  return Object.assign(new Error(message), {
    name,
    $metadata: { httpStatusCode: 400 },
  });
}

type Answer = object | Error;

/**
 * DescribeInstances answers by kind of call: `byTag` for the look-up by instance tag,
 * `byId` (one answer per call, the last repeating) for polling one VM.
 */
function describeInstances(
  ec2: ReturnType<typeof mockClient>,
  answers: { byTag?: Answer; byToken?: Answer; byId?: Answer[] },
) {
  let calls = 0;
  ec2.on(DescribeInstancesCommand).callsFake(async input => {
    const byToken = input.Filters?.some(
      (f: { Name: string }) => f.Name === 'client-token',
    );
    let answer: Answer | undefined;
    if (byToken) answer = answers.byToken;
    else if (input.Filters) answer = answers.byTag;
    else answer = answers.byId?.[Math.min(calls++, answers.byId.length - 1)];
    if (answer instanceof Error) throw answer;
    return answer ?? { Reservations: [] };
  });
}

describe('Ec2HostProvider (EC2 API contract)', () => {
  const ec2 = mockClient(EC2Client);
  const ssm = mockClient(SSMClient);
  const secretBox = new SecretBox(TEST_ENCRYPTION_KEY);
  let logLines: string[];
  let docker: { ping: jest.Mock; createVolume: jest.Mock };

  function logger(): LoggerService {
    const log = (message: string) => {
      logLines.push(message);
    };
    return {
      info: log,
      warn: log,
      error: log,
      debug: log,
      child: () => logger(),
    };
  }

  function ctx(): StepContext {
    return { logger: logger(), signal: new AbortController().signal };
  }

  function provider(overrides: Partial<Ec2RuntimeConfig> = {}) {
    return new Ec2HostProvider({
      ec2: new EC2Client({ region: 'eu-west-1' }),
      ssm: new SSMClient({ region: 'eu-west-1' }),
      config: { ...config, ...overrides },
      secretBox,
      logger: logger(),
      dockerFor: (_host, onHostKey) => {
        onHostKey?.('fingerprint-of-the-vm');
        return docker as unknown as Docker;
      },
    });
  }

  /** A launch that goes pending → running → status ok, with no VM there before. */
  function happyLaunch() {
    describeInstances(ec2, {
      byId: [
        awsError('InvalidInstanceID.NotFound'),
        vm('pending'),
        vm('running'),
      ],
    });
    ec2
      .on(ImportKeyPairCommand)
      .resolves({ KeyName: `dbaas-${spec.instanceId}` });
    ssm
      .on(GetParameterCommand)
      .resolves({ Parameter: { Value: 'ami-0debian' } });
    ec2.on(RunInstancesCommand).resolves(launched);
    ec2
      .on(DescribeInstanceStatusCommand)
      .resolvesOnce({
        InstanceStatuses: [
          {
            InstanceStatus: { Status: 'initializing' },
            SystemStatus: { Status: 'initializing' },
          },
        ],
      })
      .resolves({
        InstanceStatuses: [
          { InstanceStatus: { Status: 'ok' }, SystemStatus: { Status: 'ok' } },
        ],
      });
  }

  /**
   * From a clean slate, a happy launch but for RunInstances, which fails with `error` every
   * time: what provisioning fails with.
   */
  function launchFailure(
    error: Error,
    overrides: Partial<Ec2RuntimeConfig> = {},
  ) {
    ec2.reset();
    happyLaunch();
    ec2.on(RunInstancesCommand).rejects(error);
    return provider(overrides)
      .provision(spec, ctx())
      .catch(e => e);
  }

  /**
   * A happy launch but for one call before the launch, which `failing` makes fail: provisioning
   * fails with `fault`, and no VM is launched.
   */
  async function failsBeforeLaunch(failing: () => void, fault: object) {
    happyLaunch();
    failing();
    await expect(provider().provision(spec, ctx())).rejects.toMatchObject(
      fault,
    );
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0);
  }

  beforeEach(() => {
    ec2.reset();
    ssm.reset();
    logLines = [];
    docker = {
      ping: jest
        .fn()
        .mockRejectedValueOnce(new Error('connect ECONNREFUSED 10.0.1.23:22'))
        .mockResolvedValue('OK'),
      createVolume: jest.fn().mockResolvedValue({}),
    };
  });

  it('launches one tagged VM with IMDSv2, an encrypted gp3 volume and its own key, then waits for Docker', async () => {
    happyLaunch();
    const ref = await provider().provision(spec, ctx());

    const imported = ec2.commandCalls(ImportKeyPairCommand)[0].args[0].input;
    expect(imported.KeyName).toBe(`dbaas-${spec.instanceId}`);
    const publicKey = Buffer.from(imported.PublicKeyMaterial!).toString();
    expect(publicKey).toMatch(/^ssh-ed25519 AAAA/);
    expect(imported.TagSpecifications![0].Tags).toContainEqual({
      Key: 'dbaas.backstage.io/managed-by',
      Value: 'backstage-dbaas',
    });

    expect(ssm.commandCalls(GetParameterCommand)[0].args[0].input).toEqual({
      Name: '/aws/service/debian/release/bookworm/latest/amd64',
    });

    const runs = ec2.commandCalls(RunInstancesCommand);
    expect(runs).toHaveLength(1);
    const run = runs[0].args[0].input;
    expect(run).toMatchObject({
      ClientToken: spec.instanceId,
      ImageId: 'ami-0debian',
      InstanceType: 't3.large',
      MinCount: 1,
      MaxCount: 1,
      SubnetId: 'subnet-a',
      SecurityGroupIds: ['sg-db'],
      IamInstanceProfile: { Name: 'dbaas-db-host' },
      KeyName: `dbaas-${spec.instanceId}`,
    });
    // the whole request is the builder's (IMDSv2, the encrypted gp3 volume: see its test)
    expect(run).toEqual(
      launchRequest(
        { spec, imageId: 'ami-0debian', publicKey, subnetIndex: 0 },
        config,
      ),
    );
    for (const resourceType of ['instance', 'volume']) {
      const tags = run.TagSpecifications!.find(
        t => t.ResourceType === resourceType,
      )!.Tags!;
      expect(tags).toEqual(
        expect.arrayContaining([
          { Key: 'dbaas.backstage.io/instance-id', Value: spec.instanceId },
          { Key: 'dbaas.backstage.io/owner', Value: 'group:default/team-a' },
          { Key: 'dbaas.backstage.io/flavor', Value: postgresFlavor.id },
          { Key: 'dbaas.backstage.io/managed-by', Value: 'backstage-dbaas' },
          { Key: 'Name', Value: 'dbaas-orders-db' },
          { Key: 'cost-center', Value: 'platform' },
        ]),
      );
    }
    const userData = Buffer.from(run.UserData!, 'base64').toString();
    expect(userData).toMatch(/^#cloud-config\n/);
    expect(userData).toContain(publicKey);
    expect(userData).toContain('docker.io');
    expect(userData).not.toContain('PRIVATE KEY');

    expect(ref).toMatchObject({
      runtime: 'ec2',
      instanceId: spec.instanceId,
      address: '10.0.1.23',
      data: {
        ec2InstanceId: 'i-0abc',
        sshUser: 'dbaas',
        publishStandardPort: true,
        volume: `dbaas-${spec.instanceId}-data`,
        sshHostKeySha256: 'fingerprint-of-the-vm',
      },
    });
    // the private key is stored sealed, and it is the key whose public half was imported
    const privateKey = secretBox.open<string>(String(ref.data.sshPrivateKey));
    expect(String(ref.data.sshPrivateKey)).not.toContain('PRIVATE KEY');
    expect(publicHalf(privateKey)).toBe(publicKey);

    expect(docker.ping).toHaveBeenCalledTimes(2);
    expect(docker.createVolume).toHaveBeenCalledWith({
      Name: `dbaas-${spec.instanceId}-data`,
      Labels: expect.objectContaining({
        'dbaas.backstage.io/instance-id': spec.instanceId,
      }),
    });
    expect(logLines.join('\n')).not.toContain('PRIVATE KEY');
    expect(logLines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/Launched VM i-0abc \(t3\.large, ami-0debian\)/),
        'VM i-0abc passed its status checks',
      ]),
    );
  });

  it('uses the configured AMI id without asking SSM, and the default instance type', async () => {
    happyLaunch();
    await provider({ ami: { id: 'ami-0pinned' } }).provision(
      { ...spec, flavor: postgresFlavor },
      ctx(),
    );
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
    expect(
      ec2.commandCalls(RunInstancesCommand)[0].args[0].input,
    ).toMatchObject({ ImageId: 'ami-0pinned', InstanceType: 't3.medium' });
  });

  it('retries a throttled RunInstances with the same ClientToken and parameters', async () => {
    happyLaunch();
    ec2
      .on(RunInstancesCommand)
      .rejectsOnce(awsError('RequestLimitExceeded', 'Request limit exceeded.'))
      .resolves(launched);
    await provider().provision(spec, ctx());
    const runs = ec2
      .commandCalls(RunInstancesCommand)
      .map(c => c.args[0].input);
    expect(runs).toHaveLength(2);
    expect(runs[1]).toEqual(runs[0]);
    expect(logLines.join('\n')).toMatch(
      /RunInstances: RequestLimitExceeded; retrying in \d+ ms \(attempt 2 of 3\)/,
    );
  });

  it('a repeated provision (after a crash) adopts the VM it launched and imports the same key', async () => {
    happyLaunch();
    const first = await provider().provision(spec, ctx());
    const firstKey = ec2.commandCalls(ImportKeyPairCommand)[0].args[0].input;
    const firstRun = ec2.commandCalls(RunInstancesCommand)[0].args[0].input;

    // crashed before the key pair was recorded: the import meets its own key
    ec2.reset();
    happyLaunch();
    ec2
      .on(ImportKeyPairCommand)
      .rejects(
        awsError('InvalidKeyPair.Duplicate', 'The keypair already exists'),
      );
    await provider().provision(spec, ctx());
    expect(ec2.commandCalls(ImportKeyPairCommand)[0].args[0].input).toEqual(
      firstKey,
    );
    expect(ec2.commandCalls(RunInstancesCommand)[0].args[0].input).toEqual(
      firstRun,
    );

    // crashed after the launch: the tagged VM is found and nothing new is made
    ec2.reset();
    happyLaunch();
    describeInstances(ec2, { byTag: vm('running'), byId: [vm('running')] });
    const adopted = await provider().provision(spec, ctx());
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0);
    expect(ec2.commandCalls(ImportKeyPairCommand)).toHaveLength(0);
    const filters = ec2.commandCalls(DescribeInstancesCommand)[0].args[0].input
      .Filters;
    expect(filters).toEqual(
      expect.arrayContaining([
        {
          Name: 'tag:dbaas.backstage.io/instance-id',
          Values: [spec.instanceId],
        },
        {
          Name: 'instance-state-name',
          Values: ['pending', 'running', 'stopping', 'stopped'],
        },
      ]),
    );
    expect(adopted.address).toBe(first.address);
  });

  it('tries the next subnet when one has no capacity, and fails typed when none has', async () => {
    happyLaunch();
    ec2
      .on(RunInstancesCommand)
      .rejectsOnce(awsError('InsufficientInstanceCapacity'))
      .resolves(launched);
    await provider().provision(spec, ctx());
    const runs = ec2
      .commandCalls(RunInstancesCommand)
      .map(c => c.args[0].input);
    expect(runs.map(r => [r.SubnetId, r.ClientToken])).toEqual([
      ['subnet-a', spec.instanceId],
      ['subnet-b', `${spec.instanceId}-1`],
    ]);

    const failure = await launchFailure(
      awsError(
        'InsufficientInstanceCapacity',
        'We currently do not have sufficient t3.large capacity.',
      ),
    );
    expect(failure).toBeInstanceOf(RuntimeFault);
    expect(failure).toMatchObject({
      code: 'HOST_CAPACITY',
      message: expect.stringContaining(
        'EC2 RunInstances failed: InsufficientInstanceCapacity: We currently do not have sufficient t3.large capacity.',
      ),
    });
  });

  it('does not retry a capacity error EC2 answers with a 5xx, it tries the next subnet', async () => {
    happyLaunch();
    ec2
      .on(RunInstancesCommand)
      .rejectsOnce(
        Object.assign(new Error('Insufficient capacity.'), {
          name: 'InsufficientInstanceCapacity',
          $metadata: { httpStatusCode: 500 },
        }),
      )
      .resolves(launched);
    await provider().provision(spec, ctx());
    expect(
      ec2.commandCalls(RunInstancesCommand).map(c => c.args[0].input.SubnetId),
    ).toEqual(['subnet-a', 'subnet-b']);
  });

  it('turns permission, quota and configuration errors into typed faults without retrying', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['UnauthorizedOperation', 'HOST_PERMISSION', /deploy\/terraform\/aws/],
      ['VcpuLimitExceeded', 'HOST_CAPACITY', /quota/],
      ['InvalidAMIID.NotFound', 'HOST_UNAVAILABLE', /amiId \/ amiSsmParameter/],
      ['InvalidSubnetID.NotFound', 'HOST_UNAVAILABLE', /subnetIds/],
      ['InvalidGroup.NotFound', 'HOST_UNAVAILABLE', /securityGroupIds/],
    ];
    for (const [name, code, hint] of cases) {
      const error = await launchFailure(
        awsError(
          name,
          `You are not authorized. Encoded authorization failure message: AbCdEf123`,
        ),
        { subnetIds: ['subnet-a'] },
      );
      expect({ name, code: error.code }).toEqual({ name, code });
      expect(error.message).toMatch(hint);
      expect(error.message).not.toContain('AbCdEf123');
      expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(1);
    }
  });

  it('reads an invalid parameter from its message to name the key to check', async () => {
    const cases: Array<[string, RegExp]> = [
      [
        'Value (backstage-dbaas-vm) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name',
        /check dbaas\.runtimes\.ec2: instanceProfileName/,
      ],
      [
        "Invalid value 't3.mega' for InstanceType.",
        /check dbaas\.runtimes\.ec2: the flavor \(runtimeHints\.ec2\.instanceType\)/,
      ],
      [
        'The specified KMS key alias/dbaas is not enabled.',
        /check dbaas\.runtimes\.ec2: kmsKeyId/,
      ],
    ];
    for (const [message, hint] of cases) {
      const error = await launchFailure(
        awsError('InvalidParameterValue', message),
      );
      expect(error.message).toMatch(hint);
    }
  });

  it('stops before launching when the key pair cannot be imported', async () => {
    await failsBeforeLaunch(
      () =>
        ec2
          .on(ImportKeyPairCommand)
          .rejects(
            awsError('UnauthorizedOperation', 'You are not authorized.'),
          ),
      {
        code: 'HOST_PERMISSION',
        message: expect.stringContaining('EC2 ImportKeyPair failed'),
      },
    );
  });

  it('retries a throttled poll and a transient 503 while waiting', async () => {
    happyLaunch();
    ec2
      .on(DescribeInstanceStatusCommand)
      .rejectsOnce(awsError('RequestLimitExceeded'))
      .rejectsOnce(
        Object.assign(new Error('Service Unavailable'), {
          name: 'Unavailable',
          $metadata: { httpStatusCode: 503 },
        }),
      )
      .resolves({
        InstanceStatuses: [
          { InstanceStatus: { Status: 'ok' }, SystemStatus: { Status: 'ok' } },
        ],
      });
    await expect(provider().provision(spec, ctx())).resolves.toMatchObject({
      address: '10.0.1.23',
    });
    expect(ec2.commandCalls(DescribeInstanceStatusCommand)).toHaveLength(3);
  });

  it('refuses to adopt a VM someone stopped', async () => {
    happyLaunch();
    describeInstances(ec2, { byTag: vm('stopped'), byId: [vm('stopped')] });
    await expect(provider().provision(spec, ctx())).rejects.toMatchObject({
      code: 'HOST_UNAVAILABLE',
      message: expect.stringContaining('VM i-0abc is stopped'),
    });
  });

  it('gives up on a call that stays throttled after apiMaxAttempts', async () => {
    await failsBeforeLaunch(
      () =>
        ssm
          .on(GetParameterCommand)
          .rejects(awsError('ThrottlingException', 'Rate exceeded')),
      {
        code: 'HOST_UNAVAILABLE',
        message: 'EC2 GetParameter failed: ThrottlingException: Rate exceeded',
      },
    );
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(3);
  });

  it('fails typed when the VM terminates while starting or fails its status checks', async () => {
    happyLaunch();
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-0abc'] }).resolves(
      vm('terminated', {
        StateReason: {
          Message:
            'Server.InsufficientInstanceCapacity: Insufficient capacity.',
        },
      }),
    );
    await expect(provider().provision(spec, ctx())).rejects.toMatchObject({
      code: 'HOST_CAPACITY',
      message:
        'VM i-0abc terminated while starting: Server.InsufficientInstanceCapacity: Insufficient capacity.',
    });

    ec2.reset();
    happyLaunch();
    ec2.on(DescribeInstanceStatusCommand).resolves({
      InstanceStatuses: [
        {
          InstanceStatus: { Status: 'impaired' },
          SystemStatus: { Status: 'ok' },
        },
      ],
    });
    await expect(provider().provision(spec, ctx())).rejects.toMatchObject({
      code: 'HOST_UNAVAILABLE',
      message: expect.stringContaining('failed its status checks'),
    });
  });

  it('times out naming the last SSH error and where to look when Docker never answers', async () => {
    happyLaunch();
    docker.ping = jest
      .fn()
      .mockRejectedValue(
        new Error('All configured authentication methods failed'),
      );
    await expect(
      provider({ startTimeoutSeconds: 0.3 }).provision(spec, ctx()),
    ).rejects.toMatchObject({
      code: 'HOST_UNAVAILABLE',
      message: expect.stringMatching(
        /waiting for Docker on 10\.0\.1\.23 over SSH \(last error: All configured authentication methods failed; see \/var\/log\/cloud-init-output\.log/,
      ),
    });
  });

  it('destroy terminates the VM, deletes leftover volumes and the key pair', async () => {
    ec2.on(TerminateInstancesCommand).resolves({});
    describeInstances(ec2, {
      byId: [vm('running'), vm('shutting-down'), vm('terminated')],
    });
    ec2.on(DescribeKeyPairsCommand).resolves({ KeyPairs: [{ KeyName: 'k' }] });
    ec2
      .on(DescribeVolumesCommand)
      .resolvesOnce({ Volumes: [{ VolumeId: 'vol-1', State: 'available' }] })
      .resolves({ Volumes: [] });
    ec2.on(DeleteVolumeCommand).resolves({});
    ec2.on(DeleteKeyPairCommand).resolves({});

    await provider().destroy(recordedHost, ctx());
    expect(
      ec2.commandCalls(TerminateInstancesCommand)[0].args[0].input,
    ).toEqual({ InstanceIds: ['i-0abc'] });
    expect(ec2.commandCalls(DescribeVolumesCommand)[0].args[0].input).toEqual({
      Filters: [
        {
          Name: 'tag:dbaas.backstage.io/instance-id',
          Values: [spec.instanceId],
        },
        {
          Name: 'tag:dbaas.backstage.io/managed-by',
          Values: ['backstage-dbaas'],
        },
      ],
    });
    expect(ec2.commandCalls(DeleteVolumeCommand)[0].args[0].input).toEqual({
      VolumeId: 'vol-1',
    });
    expect(ec2.commandCalls(DeleteKeyPairCommand)[0].args[0].input).toEqual({
      KeyName: `dbaas-${spec.instanceId}`,
    });
  });

  it('destroy without the permission to terminate fails typed and keeps the key pair', async () => {
    describeInstances(ec2, { byId: [vm('running')] });
    ec2
      .on(TerminateInstancesCommand)
      .rejects(awsError('UnauthorizedOperation', 'You are not authorized.'));
    ec2.on(DeleteKeyPairCommand).resolves({});
    await expect(provider().destroy(recordedHost, ctx())).rejects.toMatchObject(
      { code: 'HOST_PERMISSION' },
    );
    expect(ec2.commandCalls(DeleteKeyPairCommand)).toHaveLength(0);
  });

  it('a repeated destroy asks nothing of what is gone (the policy would deny it: gone means untagged)', async () => {
    const denied = awsError('UnauthorizedOperation', 'You are not authorized.');
    describeInstances(ec2, {
      byId: [vm('terminated')],
    });
    ec2.on(TerminateInstancesCommand).rejects(denied);
    ec2.on(DeleteKeyPairCommand).rejects(denied);
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    ec2
      .on(DescribeKeyPairsCommand)
      .rejects(awsError('InvalidKeyPair.NotFound'));
    await provider().destroy(recordedHost, ctx());
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
    expect(ec2.commandCalls(DeleteKeyPairCommand)).toHaveLength(0);
  });

  it('destroy terminates every VM launched for the instance, also one found only by its client token', async () => {
    const other = vm('running', { InstanceId: 'i-0second' });
    ec2.on(TerminateInstancesCommand).resolves({});
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    ec2
      .on(DescribeKeyPairsCommand)
      .rejects(awsError('InvalidKeyPair.NotFound'));
    // a VM reads as terminated once TerminateInstances was asked for it
    ec2.on(DescribeInstancesCommand).callsFake(async input => {
      if (
        input.Filters?.some((f: { Name: string }) => f.Name === 'client-token')
      )
        return other;
      if (input.Filters) return vm('running');
      const terminated = ec2
        .commandCalls(TerminateInstancesCommand)
        .some(c => c.args[0].input.InstanceIds?.includes(input.InstanceIds[0]));
      return vm(terminated ? 'terminated' : 'running', {
        InstanceId: input.InstanceIds[0],
      });
    });
    await provider().destroy(recordedHost, ctx());
    expect(
      ec2
        .commandCalls(TerminateInstancesCommand)
        .map(c => c.args[0].input.InstanceIds),
    ).toEqual([['i-0abc'], ['i-0second']]);
  });

  it('finds a just-launched VM by its client token when the tag look-up lags, and adopts it on a parameter mismatch', async () => {
    happyLaunch();
    describeInstances(ec2, {
      byToken: vm('running'),
      byId: [vm('running')],
    });
    await provider().provision(spec, ctx());
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0);
    const byToken = ec2
      .commandCalls(DescribeInstancesCommand)
      .map(c => c.args[0].input.Filters)
      .find(f => f?.some(x => x.Name === 'client-token'));
    expect(byToken).toContainEqual({
      Name: 'client-token',
      Values: [spec.instanceId, `${spec.instanceId}-1`],
    });

    ec2.reset();
    happyLaunch();
    let runAsked = false;
    ec2.on(RunInstancesCommand).callsFake(async () => {
      runAsked = true;
      throw awsError('IdempotentParameterMismatch');
    });
    ec2.on(DescribeInstancesCommand).callsFake(async input => {
      if (input.Filters) return runAsked ? vm('running') : { Reservations: [] };
      return vm('running');
    });
    await expect(provider().provision(spec, ctx())).resolves.toMatchObject({
      data: { ec2InstanceId: 'i-0abc' },
    });
  });

  it('find locates a VM by tag, or the key pair a crashed launch left; describe reports a terminated VM', async () => {
    describeInstances(ec2, { byTag: vm('running') });
    expect(await provider().find(spec.instanceId)).toMatchObject({
      address: '10.0.1.23',
      data: { ec2InstanceId: 'i-0abc' },
    });

    ec2.reset();
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    ec2.on(DescribeKeyPairsCommand).resolves({ KeyPairs: [{ KeyName: 'x' }] });
    const leftover = await provider().find(spec.instanceId);
    expect(leftover).toMatchObject({
      address: '',
      data: { keyName: `dbaas-${spec.instanceId}` },
    });
    expect(leftover!.data.ec2InstanceId).toBeUndefined();

    ec2
      .on(DescribeKeyPairsCommand)
      .rejects(awsError('InvalidKeyPair.NotFound'));
    expect(await provider().find(crypto.randomUUID())).toBeUndefined();

    // with public addresses, a VM that has none yet is still found (to be cleaned up)
    ec2.reset();
    describeInstances(ec2, { byTag: vm('pending') });
    expect(
      await provider({ addressType: 'public' }).find(spec.instanceId),
    ).toMatchObject({ address: '', data: { ec2InstanceId: 'i-0abc' } });

    ec2.reset();
    ec2.on(DescribeInstancesCommand).resolves(vm('terminated'));
    expect(await provider().describe(recordedHost)).toEqual({
      exists: false,
      message: 'VM i-0abc is terminated',
    });
  });

  describe('stop and start (the VM of a stopped database costs nothing)', () => {
    /** The HostRef as provisioning left it: the VM's host key pinned. */
    const pinnedHost: HostRef = {
      ...recordedHost,
      data: { ...recordedHost.data, sshHostKeySha256: 'fingerprint-of-the-vm' },
    };
    const statusOk = () =>
      ec2.on(DescribeInstanceStatusCommand).resolves({
        InstanceStatuses: [
          { InstanceStatus: { Status: 'ok' }, SystemStatus: { Status: 'ok' } },
        ],
      });

    it('stop asks StopInstances for the recorded VM and waits until it is stopped', async () => {
      describeInstances(ec2, {
        byId: [vm('running'), vm('stopping'), vm('stopped')],
      });
      ec2.on(StopInstancesCommand).resolves({});
      await provider().stop(recordedHost, ctx());
      expect(
        ec2.commandCalls(StopInstancesCommand).map(c => c.args[0].input),
      ).toEqual([{ InstanceIds: ['i-0abc'] }]);
      expect(logLines).toContain('VM i-0abc is stopped');
    });

    it('a repeated stop asks nothing of a VM stopped or stopping, and a VM still starting is stopped once running', async () => {
      describeInstances(ec2, { byId: [vm('stopping'), vm('stopped')] });
      await provider().stop(recordedHost, ctx());
      expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(0);

      ec2.reset();
      describeInstances(ec2, {
        byId: [vm('pending'), vm('running'), vm('stopped')],
      });
      ec2.on(StopInstancesCommand).resolves({});
      await provider().stop(recordedHost, ctx());
      expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(1);
    });

    it('stop retries throttling, fails typed without the permission, and on a VM that is gone', async () => {
      describeInstances(ec2, { byId: [vm('running'), vm('stopped')] });
      ec2
        .on(StopInstancesCommand)
        .rejectsOnce(awsError('RequestLimitExceeded'))
        .resolves({});
      await provider().stop(recordedHost, ctx());
      expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(2);

      ec2.reset();
      describeInstances(ec2, { byId: [vm('running')] });
      ec2.on(StopInstancesCommand).rejects(awsError('UnauthorizedOperation'));
      await expect(provider().stop(recordedHost, ctx())).rejects.toMatchObject({
        code: 'HOST_PERMISSION',
        message: expect.stringContaining(
          'EC2 StopInstances failed: UnauthorizedOperation',
        ),
      });
      expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(1);

      ec2.reset();
      describeInstances(ec2, { byId: [vm('terminated')] });
      await expect(provider().stop(recordedHost, ctx())).rejects.toMatchObject({
        code: 'HOST_UNAVAILABLE',
        message: expect.stringContaining('terminated'),
      });
      expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(0);
    });

    it('describe says a stopped VM is stopped', async () => {
      ec2.on(DescribeInstancesCommand).resolves(vm('stopped'));
      expect(await provider().describe(recordedHost)).toEqual({
        exists: true,
        stopped: true,
        message: 'VM i-0abc is stopped',
      });
    });

    it('start asks StartInstances, waits until running, its status checks and Docker over SSH, and returns the new address', async () => {
      describeInstances(ec2, {
        byId: [
          vm('stopped'),
          // EC2 may show the old state a moment after the request
          vm('stopped'),
          vm('pending', { PrivateIpAddress: undefined }),
          vm('running', { PrivateIpAddress: '10.0.1.99' }),
        ],
      });
      ec2.on(StartInstancesCommand).resolves({});
      statusOk();
      const started = await provider().start(pinnedHost, ctx());
      expect(
        ec2.commandCalls(StartInstancesCommand).map(c => c.args[0].input),
      ).toEqual([{ InstanceIds: ['i-0abc'] }, { InstanceIds: ['i-0abc'] }]);
      expect(ec2.commandCalls(DescribeInstanceStatusCommand)).not.toHaveLength(
        0,
      );
      // Docker answered after a refused connection; the volume is there already
      expect(docker.ping).toHaveBeenCalledTimes(2);
      expect(docker.createVolume).not.toHaveBeenCalled();
      expect(started).toEqual({ ...pinnedHost, address: '10.0.1.99' });
    });

    it('a repeated start asks nothing of a running VM and returns nothing when the host is unchanged', async () => {
      describeInstances(ec2, { byId: [vm('running')] });
      statusOk();
      expect(await provider().start(pinnedHost, ctx())).toBeUndefined();
      expect(ec2.commandCalls(StartInstancesCommand)).toHaveLength(0);
    });

    it('start waits for a VM still stopping, and fails typed without the permission or an address', async () => {
      describeInstances(ec2, {
        byId: [vm('stopping'), vm('stopped'), vm('running')],
      });
      ec2.on(StartInstancesCommand).resolves({});
      statusOk();
      expect(await provider().start(pinnedHost, ctx())).toBeUndefined();
      expect(ec2.commandCalls(StartInstancesCommand)).toHaveLength(1);

      ec2.reset();
      describeInstances(ec2, { byId: [vm('stopped')] });
      ec2.on(StartInstancesCommand).rejects(awsError('UnauthorizedOperation'));
      await expect(provider().start(pinnedHost, ctx())).rejects.toMatchObject({
        code: 'HOST_PERMISSION',
      });

      ec2.reset();
      describeInstances(ec2, { byId: [vm('running')] });
      statusOk();
      await expect(
        provider({ addressType: 'public' }).start(pinnedHost, ctx()),
      ).rejects.toMatchObject({
        code: 'HOST_UNAVAILABLE',
        message: expect.stringContaining('no public IP address'),
      });
    });
  });
});
