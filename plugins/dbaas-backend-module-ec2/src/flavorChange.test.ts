import {
  DescribeInstancesCommand,
  EC2Client,
  Instance,
  ModifyInstanceAttributeCommand,
} from '@aws-sdk/client-ec2';
import { mockServices } from '@backstage/backend-test-utils';
import { Flavor } from '@dbaas/plugin-dbaas-common';
import { StepContext } from '@dbaas/plugin-dbaas-node';
import { mockClient } from 'aws-sdk-client-mock';
import { createAwsCall } from './awsErrors';
import { createFlavorChange } from './flavorChange';
import { createVmLookups } from './vmLookups';

const config = {
  defaultInstanceType: 't3.small',
  pollIntervalSeconds: 0.01,
  apiMaxAttempts: 2,
  subnetIds: ['subnet-1'],
};
const flavor = (instanceType?: string): Flavor => ({
  id: instanceType ? `postgresql-15-${instanceType}` : 'postgresql-15-default',
  engine: 'postgresql',
  version: '15',
  image: 'dbaas/postgresql:15',
  cpu: 2,
  memoryMiB: 4096,
  storageGiB: { min: 1, max: 10, default: 2 },
  ...(instanceType ? { runtimeHints: { ec2: { instanceType } } } : {}),
});
const ctx = (): StepContext => ({
  logger: mockServices.logger.mock(),
  signal: new AbortController().signal,
});
const awsError = (name: string, message: string) =>
  Object.assign(new Error(message), { name, $metadata: {} });

describe('EC2 flavor change', () => {
  const ec2 = mockClient(EC2Client);
  beforeEach(() => ec2.reset());
  afterAll(() => ec2.restore());

  function changeFlavor() {
    const client = new EC2Client({ region: 'eu-west-1' });
    const call = createAwsCall(config, mockServices.logger.mock());
    return createFlavorChange({
      ec2: client,
      config,
      call,
      lookups: createVmLookups({ ec2: client, config, call }),
    });
  }
  /** DescribeInstances answers with each VM in turn, the last one from then on. */
  function vms(...answers: Array<Partial<Instance>>) {
    let look = 0;
    ec2.on(DescribeInstancesCommand).callsFake(async () => ({
      Reservations: [
        {
          Instances: [
            {
              InstanceId: 'i-0abc',
              ...answers[Math.min(look++, answers.length - 1)],
            },
          ],
        },
      ],
    }));
  }
  const stopped = (type: string): Partial<Instance> => ({
    State: { Name: 'stopped' },
    InstanceType: type as Instance['InstanceType'],
  });
  const modifications = () =>
    ec2.commandCalls(ModifyInstanceAttributeCommand).map(c => c.args[0].input);

  it("gives a stopped VM the flavor's instance type and checks that it took", async () => {
    vms(stopped('t3.small'), stopped('t3.large'));
    ec2.on(ModifyInstanceAttributeCommand).resolves({});

    await changeFlavor()('i-0abc', flavor('t3.large'), ctx());

    expect(modifications()).toEqual([
      { InstanceId: 'i-0abc', InstanceType: { Value: 't3.large' } },
    ]);
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(2);
  });

  it('uses defaultInstanceType for a flavor without a hint, as a launch does', async () => {
    vms(stopped('m5.large'), stopped('t3.small'));
    ec2.on(ModifyInstanceAttributeCommand).resolves({});

    await changeFlavor()('i-0abc', flavor(), ctx());

    expect(modifications()).toEqual([
      { InstanceId: 'i-0abc', InstanceType: { Value: 't3.small' } },
    ]);
  });

  it('leaves a VM of that type already as it is, stopped or running', async () => {
    vms(stopped('t3.large'));
    await changeFlavor()('i-0abc', flavor('t3.large'), ctx());
    vms({ State: { Name: 'running' }, InstanceType: 't3.large' });
    await changeFlavor()('i-0abc', flavor('t3.large'), ctx());

    expect(modifications()).toEqual([]);
  });

  it.each(['running', 'pending', 'stopping'] as const)(
    'refuses a %s VM, naming its state, and modifies nothing',
    async state => {
      vms({ State: { Name: state }, InstanceType: 't3.small' });

      await expect(
        changeFlavor()('i-0abc', flavor('t3.large'), ctx()),
      ).rejects.toMatchObject({
        name: 'RuntimeFault',
        code: 'HOST_UNAVAILABLE',
        message: `VM i-0abc is ${state}, not stopped: EC2 changes its instance type (t3.small to t3.large for flavor postgresql-15-t3.large) only while it is stopped`,
      });
      expect(modifications()).toEqual([]);
    },
  );

  it('fails typed for a VM that is gone', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .rejects(awsError('InvalidInstanceID.NotFound', 'no such instance'));

    await expect(
      changeFlavor()('i-0abc', flavor('t3.large'), ctx()),
    ).rejects.toMatchObject({
      code: 'HOST_UNAVAILABLE',
      message: 'VM i-0abc is gone: there is no VM to give another size',
    });
  });

  it('names an instance type EC2 does not offer, and the setting to change', async () => {
    vms(stopped('t3.small'));
    ec2
      .on(ModifyInstanceAttributeCommand)
      .rejects(
        awsError(
          'InvalidInstanceAttributeValue',
          "The instance type 'x9.huge' is not supported.",
        ),
      );

    const error = await changeFlavor()('i-0abc', flavor('x9.huge'), ctx()).then(
      () => new Error('the change succeeded'),
      e => e,
    );

    expect(error).toMatchObject({
      name: 'RuntimeFault',
      code: 'HOST_UNAVAILABLE',
      awsCode: 'InvalidInstanceAttributeValue',
    });
    expect(error.message).toMatch(
      /^EC2 will not make VM i-0abc an instance type x9\.huge \(flavor postgresql-15-x9\.huge\): EC2 ModifyInstanceAttribute failed: InvalidInstanceAttributeValue: The instance type 'x9\.huge' is not supported\..*; VM i-0abc stays t3\.small and stopped\. .*runtimeHints\.ec2\.instanceType\)$/,
    );
    // a refusal is not retried
    expect(modifications()).toHaveLength(1);
  });

  it('maps the other refusals as the module does elsewhere', async () => {
    vms(stopped('t3.small'));
    ec2
      .on(ModifyInstanceAttributeCommand)
      .rejectsOnce(
        awsError(
          'IncorrectInstanceState',
          "The instance 'i-0abc' is not in the 'stopped' state.",
        ),
      )
      .rejectsOnce(
        awsError(
          'UnauthorizedOperation',
          'You are not authorized to perform this operation. Encoded authorization failure message: xyz',
        ),
      );

    await expect(
      changeFlavor()('i-0abc', flavor('t3.large'), ctx()),
    ).rejects.toMatchObject({
      code: 'HOST_UNAVAILABLE',
      message: expect.stringMatching(
        /^VM i-0abc is not stopped .*changed to t3\.large while it is stopped/,
      ),
    });
    await expect(
      changeFlavor()('i-0abc', flavor('t3.large'), ctx()),
    ).rejects.toMatchObject({
      code: 'HOST_PERMISSION',
      message: expect.stringContaining('deploy/terraform/aws'),
    });
  });

  it('fails when the VM does not show the new type after EC2 accepted it', async () => {
    vms(stopped('t3.small'));
    ec2.on(ModifyInstanceAttributeCommand).resolves({});

    await expect(
      changeFlavor()('i-0abc', flavor('t3.large'), ctx()),
    ).rejects.toMatchObject({
      code: 'HOST_UNAVAILABLE',
      message:
        'VM i-0abc is still t3.small after EC2 accepted the change to t3.large (flavor postgresql-15-t3.large)',
    });
  });
});
