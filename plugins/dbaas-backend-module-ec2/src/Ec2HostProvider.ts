import {
  DeleteKeyPairCommand,
  DeleteVolumeCommand,
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeVolumesCommand,
  EC2Client,
  ImportKeyPairCommand,
  Instance,
  RunInstancesCommand,
  TerminateInstancesCommand,
  _InstanceType,
} from '@aws-sdk/client-ec2';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { LoggerService } from '@backstage/backend-plugin-api';
import { Flavor } from '@dbaas/plugin-dbaas-common';
import Docker from 'dockerode';
import {
  HostProvider,
  HostRef,
  HostSpec,
  HostState,
  instanceLabels,
  RuntimeFault,
  SecretSealer,
  StepContext,
  volumeName,
  waitFor,
} from '@dbaas/plugin-dbaas-node';
import { AwsFault, withRetries } from './awsErrors';
import { Ec2RuntimeConfig } from './config';
import { sshKeyPairFromSeed } from './sshKey';
import { byInstanceTag, keyPairName, resourceTags } from './tags';
import { renderUserData } from './userData';

const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;

/** Why a flavor's `runtimeHints.ec2` cannot be used, or undefined when it can. */
export function instanceTypeProblem(flavor: Flavor): string | undefined {
  const hints = flavor.runtimeHints?.ec2 ?? {};
  const unknown = Object.keys(hints).filter(k => k !== 'instanceType');
  if (unknown.length) {
    return `flavor ${
      flavor.id
    }: runtimeHints.ec2 has unknown key(s) ${unknown.join(
      ', ',
    )}; allowed: instanceType`;
  }
  const type = hints.instanceType;
  if (
    type !== undefined &&
    !(typeof type === 'string' && INSTANCE_TYPE.test(type))
  ) {
    return `flavor ${flavor.id}: runtimeHints.ec2.instanceType must be an EC2 instance type such as t3.medium`;
  }
  return undefined;
}

/** The block device the data volume is mapped to (xvdf / an NVMe disk on the VM). */
export const DATA_DEVICE = '/dev/sdf';
const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];

export interface Ec2HostProviderOptions {
  ec2: EC2Client;
  ssm: SSMClient;
  config: Ec2RuntimeConfig;
  secretBox: SecretSealer;
  logger: LoggerService;
  /** Docker on a VM over SSH; `onHostKey` hears the VM's host key while none is pinned. */
  dockerFor: (
    host: HostRef,
    onHostKey?: (fingerprint: string) => void,
  ) => Docker;
}

/**
 * A "host" on EC2: one VM per database, launched from the configured AMI with an
 * encrypted gp3 data volume; cloud-init installs Docker, and the Docker runtime then
 * runs the flavor's image on it over SSH.
 */
export class Ec2HostProvider implements HostProvider {
  constructor(private readonly options: Ec2HostProviderOptions) {}

  private get config() {
    return this.options.config;
  }

  async provision(spec: HostSpec, ctx: StepContext): Promise<HostRef> {
    const deadline = Date.now() + this.config.startTimeoutSeconds * 1000;
    const [found, ...extra] = await this.findVms(spec.instanceId, ctx);
    for (const other of extra) {
      ctx.logger.warn(
        `Terminating VM ${other.InstanceId}: a second launch for this instance`,
      );
      await this.terminate(other.InstanceId!, deadline, ctx);
    }
    let vm = found;
    if (vm) {
      ctx.logger.info(`VM ${vm.InstanceId} already launched for this instance`);
    } else {
      vm = await this.launch(spec, ctx);
    }
    vm = await this.waitRunning(vm.InstanceId!, deadline, ctx);
    await this.waitStatusOk(vm.InstanceId!, deadline, ctx);
    const ref = this.ref(spec.instanceId, vm);
    if (!ref.address) {
      throw new RuntimeFault(
        'HOST_UNAVAILABLE',
        `VM ${vm.InstanceId} has no ${this.config.addressType} IP address (dbaas.runtimes.ec2.addressType; for public, the subnet must assign public IPs)`,
      );
    }
    await this.waitDocker(ref, spec, deadline, ctx);
    return ref;
  }

  private async launch(spec: HostSpec, ctx: StepContext): Promise<Instance> {
    const key = this.keyPair(spec.instanceId);
    const tags = resourceTags(spec, this.config.tags);
    await this.call('ImportKeyPair', ctx, () =>
      this.options.ec2.send(
        new ImportKeyPairCommand({
          KeyName: keyPairName(spec.instanceId),
          PublicKeyMaterial: Buffer.from(key.publicKey),
          TagSpecifications: [{ ResourceType: 'key-pair', Tags: tags }],
        }),
      ),
    ).catch(error => {
      // a retry after a crash: the same derived key is already there
      if ((error as AwsFault).awsCode !== 'InvalidKeyPair.Duplicate')
        throw error;
    });
    const imageId = await this.resolveAmi(ctx);
    const instanceType = this.instanceType(spec);
    const userData = renderUserData(
      { instanceId: spec.instanceId, publicKey: key.publicKey },
      this.config,
    );
    const subnets = this.config.subnetIds;
    for (const [index, subnetId] of subnets.entries()) {
      try {
        const result = await this.call('RunInstances', ctx, () =>
          this.options.ec2.send(
            new RunInstancesCommand({
              // the same token on a retry returns the VM already started, never a second one
              ClientToken: this.clientToken(spec.instanceId, index),
              ImageId: imageId,
              InstanceType: instanceType,
              MinCount: 1,
              MaxCount: 1,
              SubnetId: subnetId,
              SecurityGroupIds: this.config.securityGroupIds,
              IamInstanceProfile: this.config.instanceProfileName
                ? { Name: this.config.instanceProfileName }
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
                    KmsKeyId: this.config.kmsKeyId,
                    DeleteOnTermination: true,
                  },
                },
              ],
              UserData: Buffer.from(userData).toString('base64'),
              TagSpecifications: [
                { ResourceType: 'instance', Tags: tags },
                { ResourceType: 'volume', Tags: tags },
              ],
            }),
          ),
        );
        const vm = result.Instances![0];
        ctx.logger.info(
          `Launched VM ${vm.InstanceId} (${instanceType}, ${imageId}) in ${subnetId} with a ${spec.storageGiB} GiB encrypted gp3 volume`,
        );
        return vm;
      } catch (error) {
        const code = (error as AwsFault).awsCode;
        if (code === 'IdempotentParameterMismatch') {
          // this token launched a VM before, with other parameters (a newer AMI, say)
          const [earlier] = await this.findVms(spec.instanceId, ctx);
          if (earlier) return earlier;
        }
        const last = index === subnets.length - 1;
        if (last || code !== 'InsufficientInstanceCapacity') {
          throw error;
        }
        ctx.logger.warn(
          `No ${instanceType} capacity in ${subnetId}; trying ${
            subnets[index + 1]
          }`,
        );
      }
    }
    throw new RuntimeFault('INTERNAL', 'no subnet configured');
  }

  private instanceType(spec: HostSpec): _InstanceType {
    return (spec.flavor.runtimeHints?.ec2?.instanceType ??
      this.config.defaultInstanceType) as _InstanceType;
  }

  private async resolveAmi(ctx: StepContext): Promise<string> {
    const ami = this.config.ami;
    if ('id' in ami) return ami.id;
    const result = await this.call('GetParameter', ctx, () =>
      this.options.ssm.send(
        new GetParameterCommand({ Name: ami.ssmParameter }),
      ),
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

  private async waitRunning(id: string, deadline: number, ctx: StepContext) {
    const vm = await waitFor(
      async () => {
        const found = await this.describeVm(id, ctx);
        const state = found?.State?.Name;
        if (state === 'shutting-down' || state === 'terminated') {
          const reason = found!.StateReason?.Message ?? 'no reason given';
          throw new RuntimeFault(
            /capacity/i.test(reason) ? 'HOST_CAPACITY' : 'HOST_UNAVAILABLE',
            `VM ${id} ${state} while starting: ${reason}`,
          );
        }
        if (state === 'stopping' || state === 'stopped') {
          throw new RuntimeFault(
            'HOST_UNAVAILABLE',
            `VM ${id} is ${state}: someone stopped it; start it in EC2 and retry, or delete the database`,
          );
        }
        return state === 'running' ? found : undefined;
      },
      ctx,
      this.waitOptions(deadline, `VM ${id} to be running`),
    );
    ctx.logger.info(`VM ${id} is running`);
    return vm;
  }

  private async waitStatusOk(id: string, deadline: number, ctx: StepContext) {
    await waitFor(
      async () => {
        const result = await this.call('DescribeInstanceStatus', ctx, () =>
          this.options.ec2.send(
            new DescribeInstanceStatusCommand({ InstanceIds: [id] }),
          ),
        );
        const status = result.InstanceStatuses?.[0];
        const instance = status?.InstanceStatus?.Status;
        const system = status?.SystemStatus?.Status;
        if (instance === 'impaired' || system === 'impaired') {
          throw new RuntimeFault(
            'HOST_UNAVAILABLE',
            `VM ${id} failed its status checks (instance: ${instance}, system: ${system})`,
          );
        }
        return instance === 'ok' && system === 'ok' ? true : undefined;
      },
      ctx,
      this.waitOptions(deadline, `VM ${id} to pass its status checks`),
    );
    ctx.logger.info(`VM ${id} passed its status checks`);
  }

  /**
   * Until cloud-init has installed Docker and it answers over SSH, with the instance's
   * volume made; a connection that fails on the way (sshd or Docker still starting) is
   * asked again.
   */
  private async waitDocker(
    ref: HostRef,
    spec: HostSpec,
    deadline: number,
    ctx: StepContext,
  ) {
    let lastError = '';
    await waitFor(
      async () => {
        let hostKey: string | undefined;
        try {
          await this.options
            .dockerFor(ref, fingerprint => {
              hostKey = fingerprint;
            })
            .ping();
          // the key the VM answered with is the one every later connection must see
          if (hostKey) ref.data.sshHostKeySha256 = hostKey;
          await this.options.dockerFor(ref).createVolume({
            Name: String(ref.data.volume),
            Labels: instanceLabels(spec),
          });
          return true;
        } catch (error) {
          lastError = (error as Error).message;
          return undefined;
        }
      },
      ctx,
      {
        ...this.waitOptions(deadline, `Docker on ${ref.address} over SSH`),
        timeoutHint: () =>
          `last error: ${lastError}; see /var/log/cloud-init-output.log on the VM`,
      },
    );
    ctx.logger.info(`Docker answers on ${ref.address}; the VM is ready`);
  }

  async describe(ref: HostRef): Promise<HostState> {
    const id = String(ref.data.ec2InstanceId ?? '');
    const vm = id ? await this.describeVm(id) : undefined;
    const state = vm?.State?.Name;
    if (!vm || state === 'terminated' || state === 'shutting-down') {
      return { exists: false, message: `VM ${id} is ${state ?? 'gone'}` };
    }
    return state === 'running'
      ? { exists: true }
      : { exists: true, message: `VM ${id} is ${state}` };
  }

  async find(instanceId: string): Promise<HostRef | undefined> {
    const [vm] = await this.findVms(instanceId);
    if (vm) return this.ref(instanceId, vm);
    // a key pair or volume left by a launch that crashed half-way
    const [keys, volumes] = await Promise.all([
      this.keyPairExists(instanceId),
      this.taggedVolumes(instanceId),
    ]);
    return keys || volumes.length ? this.ref(instanceId, undefined) : undefined;
  }

  async destroy(ref: HostRef, ctx: StepContext): Promise<void> {
    const deadline = Date.now() + this.config.startTimeoutSeconds * 1000;
    const ids = new Set(
      (await this.findVms(ref.instanceId, ctx)).map(vm => vm.InstanceId!),
    );
    if (ref.data.ec2InstanceId) ids.add(String(ref.data.ec2InstanceId));
    for (const id of ids) await this.terminate(id, deadline, ctx);
    await waitFor(
      async () => {
        const volumes = await this.taggedVolumes(ref.instanceId, ctx);
        for (const volume of volumes.filter(v => v.State === 'available')) {
          await this.call('DeleteVolume', ctx, () =>
            this.options.ec2.send(
              new DeleteVolumeCommand({ VolumeId: volume.VolumeId }),
            ),
          );
          ctx.logger.info(`Deleted volume ${volume.VolumeId}`);
        }
        return volumes.length ? undefined : true;
      },
      ctx,
      this.waitOptions(deadline, `the data volume of ${ref.instanceId} to go`),
    );
    // the policy allows deleting only tagged key pairs: one already gone is not asked for
    if (await this.keyPairExists(ref.instanceId, ctx)) {
      await this.call('DeleteKeyPair', ctx, () =>
        this.options.ec2.send(
          new DeleteKeyPairCommand({ KeyName: keyPairName(ref.instanceId) }),
        ),
      );
      ctx.logger.info(`Deleted key pair ${keyPairName(ref.instanceId)}`);
    }
  }

  /** Terminates a VM unless it is already gone, and waits until it is. */
  private async terminate(id: string, deadline: number, ctx: StepContext) {
    const state = (await this.describeVm(id, ctx))?.State?.Name;
    if (!state || state === 'terminated') return;
    if (state !== 'shutting-down') {
      await this.call('TerminateInstances', ctx, () =>
        this.options.ec2.send(
          new TerminateInstancesCommand({ InstanceIds: [id] }),
        ),
      );
      ctx.logger.info(`Terminating VM ${id}`);
    }
    await waitFor(
      async () => {
        const vm = await this.describeVm(id, ctx);
        return !vm || vm.State?.Name === 'terminated' ? true : undefined;
      },
      ctx,
      this.waitOptions(deadline, `VM ${id} to terminate`),
    );
    ctx.logger.info(`VM ${id} terminated`);
  }

  private keyPair(instanceId: string) {
    return sshKeyPairFromSeed(
      this.options.secretBox.derive(`ec2-ssh-key:${instanceId}`),
      keyPairName(instanceId),
    );
  }

  private ref(instanceId: string, vm: Instance | undefined): HostRef {
    return {
      runtime: 'ec2',
      instanceId,
      // empty while a VM has no address yet (or none of the configured type)
      address:
        (this.config.addressType === 'public'
          ? vm?.PublicIpAddress
          : vm?.PrivateIpAddress) ?? '',
      data: {
        ec2InstanceId: vm?.InstanceId,
        region: this.config.region,
        keyName: keyPairName(instanceId),
        sshUser: this.config.sshUser,
        sshPrivateKey: this.options.secretBox.seal(
          this.keyPair(instanceId).privateKey,
        ),
        volume: volumeName(instanceId),
        publishStandardPort: true,
      },
    };
  }

  /** The token for a launch in the configured subnet at `index`. */
  private clientToken(instanceId: string, index: number) {
    return index === 0 ? instanceId : `${instanceId}-${index}`;
  }

  /**
   * Every live VM launched for the instance, by its tag and by the launch's client tokens
   * (a look-up by tag can lag just after a launch).
   */
  private async findVms(instanceId: string, ctx?: StepContext) {
    const live = { Name: 'instance-state-name', Values: LIVE_STATES };
    const tokens = this.config.subnetIds.map((_, i) =>
      this.clientToken(instanceId, i),
    );
    const answers = await Promise.all(
      [
        [...byInstanceTag(instanceId), live],
        [{ Name: 'client-token', Values: tokens }, live],
      ].map(Filters =>
        this.call('DescribeInstances', ctx, () =>
          this.options.ec2.send(new DescribeInstancesCommand({ Filters })),
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

  private async describeVm(id: string, ctx?: StepContext) {
    try {
      const result = await this.call('DescribeInstances', ctx, () =>
        this.options.ec2.send(
          new DescribeInstancesCommand({ InstanceIds: [id] }),
        ),
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

  private async keyPairExists(instanceId: string, ctx?: StepContext) {
    try {
      await this.call('DescribeKeyPairs', ctx, () =>
        this.options.ec2.send(
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

  private async taggedVolumes(instanceId: string, ctx?: StepContext) {
    const result = await this.call('DescribeVolumes', ctx, () =>
      this.options.ec2.send(
        new DescribeVolumesCommand({ Filters: byInstanceTag(instanceId) }),
      ),
    );
    return result.Volumes ?? [];
  }

  private waitOptions(deadline: number, what: string) {
    return {
      deadline,
      intervalMs: this.config.pollIntervalSeconds * 1000,
      what,
      timeoutHint: 'dbaas.runtimes.ec2.startTimeoutSeconds',
    };
  }

  private call<T>(
    operation: string,
    ctx: StepContext | undefined,
    send: () => Promise<T>,
  ): Promise<T> {
    return withRetries(operation, send, {
      maxAttempts: this.config.apiMaxAttempts,
      // a fifth of the poll interval: 1 s by default, short in tests
      baseDelayMs: this.config.pollIntervalSeconds * 200,
      logger: ctx?.logger ?? this.options.logger,
      signal: ctx?.signal,
    });
  }
}
