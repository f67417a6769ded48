import {
  DeleteKeyPairCommand,
  DeleteVolumeCommand,
  EC2Client,
  Instance,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { LoggerService } from '@backstage/backend-plugin-api';
import { Flavor } from '@dbaas/plugin-dbaas-common';
import {
  HostProvider,
  HostRef,
  HostSpec,
  HostState,
  RuntimeFault,
  SecretSealer,
  StepContext,
  VmDockerFor,
  createVmDockerReadyWait,
  waitFor,
} from '@dbaas/plugin-dbaas-node';
import { AwsCall, createAwsCall } from './awsErrors';
import { Ec2RuntimeConfig } from './config';
import { createFlavorChange, FlavorChange } from './flavorChange';
import { ec2HostRef, instanceKeyPair } from './hostRef';
import { createLauncher } from './launch';
import { createStorageResize } from './storageResize';
import { keyPairName } from './tags';
import { createVmLookups, VmLookups } from './vmLookups';
import { createVmWaits, ec2WaitOptions, VmWaits } from './vmWaits';

export interface Ec2HostProviderOptions {
  ec2: EC2Client;
  ssm: SSMClient;
  config: Ec2RuntimeConfig;
  secretBox: SecretSealer;
  logger: LoggerService;
  /** Docker on a VM over SSH; `onHostKey` hears the VM's host key while none is pinned. */
  dockerFor: VmDockerFor;
}

/**
 * A "host" on EC2: one VM per database, launched from the configured AMI with an
 * encrypted gp3 data volume; cloud-init installs Docker, and the Docker runtime then
 * runs the flavor's image on it over SSH.
 */
export class Ec2HostProvider implements HostProvider {
  private readonly config: Ec2RuntimeConfig;
  private readonly call: AwsCall;
  private readonly lookups: VmLookups;
  private readonly waits: VmWaits;
  private readonly launch: ReturnType<typeof createLauncher>;
  private readonly waitDockerReady: ReturnType<typeof createVmDockerReadyWait>;
  private readonly resize: ReturnType<typeof createStorageResize>;
  private readonly flavorChange: FlavorChange;

  constructor(private readonly options: Ec2HostProviderOptions) {
    const { ec2, ssm, config, secretBox, logger, dockerFor } = options;
    const call = createAwsCall(config, logger);
    const lookups = createVmLookups({ ec2, config, call });
    this.config = config;
    this.call = call;
    this.lookups = lookups;
    this.waits = createVmWaits({ ec2, config, call, lookups });
    this.launch = createLauncher({
      ec2,
      ssm,
      config,
      call,
      lookups,
      keyPair: instanceId => instanceKeyPair(secretBox, instanceId),
    });
    this.waitDockerReady = createVmDockerReadyWait({
      dockerFor,
      waitOptions: (deadline, what) => ec2WaitOptions(config, deadline, what),
      bootLogHint: 'see /var/log/cloud-init-output.log on the VM',
    });
    this.resize = createStorageResize({ ec2, config, call, dockerFor });
    this.flavorChange = createFlavorChange({ ec2, config, call, lookups });
  }

  async provision(spec: HostSpec, ctx: StepContext): Promise<HostRef> {
    const deadline = Date.now() + this.config.startTimeoutSeconds * 1000;
    const [found, ...extra] = await this.lookups.findVms(spec.instanceId, ctx);
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
    vm = await this.waits.untilRunning(vm.InstanceId!, deadline, ctx);
    await this.waits.untilStatusOk(vm.InstanceId!, deadline, ctx);
    const ref = this.ref(spec.instanceId, vm);
    if (!ref.address) {
      throw new RuntimeFault(
        'HOST_UNAVAILABLE',
        `VM ${vm.InstanceId} has no ${this.config.addressType} IP address (dbaas.runtimes.ec2.addressType; for public, the subnet must assign public IPs)`,
      );
    }
    await this.waitDockerReady(ref, spec, deadline, ctx);
    return ref;
  }

  async describe(ref: HostRef): Promise<HostState> {
    const id = String(ref.data.ec2InstanceId ?? '');
    const vm = id ? await this.lookups.describeVm(id) : undefined;
    const state = vm?.State?.Name;
    if (!vm || state === 'terminated' || state === 'shutting-down') {
      return { exists: false, message: `VM ${id} is ${state ?? 'gone'}` };
    }
    if (state === 'running') return { exists: true };
    return {
      exists: true,
      message: `VM ${id} is ${state}`,
      ...(state === 'stopping' || state === 'stopped' ? { stopped: true } : {}),
    };
  }

  async find(instanceId: string): Promise<HostRef | undefined> {
    const [vm] = await this.lookups.findVms(instanceId);
    if (vm) return this.ref(instanceId, vm);
    // a key pair or volume left by a launch that crashed half-way
    const [keys, volumes] = await Promise.all([
      this.lookups.keyPairExists(instanceId),
      this.lookups.taggedVolumes(instanceId),
    ]);
    return keys || volumes.length ? this.ref(instanceId, undefined) : undefined;
  }

  async destroy(ref: HostRef, ctx: StepContext): Promise<void> {
    const deadline = Date.now() + this.config.startTimeoutSeconds * 1000;
    const ids = new Set(
      (await this.lookups.findVms(ref.instanceId, ctx)).map(
        vm => vm.InstanceId!,
      ),
    );
    if (ref.data.ec2InstanceId) ids.add(String(ref.data.ec2InstanceId));
    for (const id of ids) await this.terminate(id, deadline, ctx);
    await waitFor(
      async () => {
        const volumes = await this.lookups.taggedVolumes(ref.instanceId, ctx);
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
      ec2WaitOptions(
        this.config,
        deadline,
        `the data volume of ${ref.instanceId} to go`,
      ),
    );
    // the policy allows deleting only tagged key pairs: one already gone is not asked for
    if (await this.lookups.keyPairExists(ref.instanceId, ctx)) {
      await this.call('DeleteKeyPair', ctx, () =>
        this.options.ec2.send(
          new DeleteKeyPairCommand({ KeyName: keyPairName(ref.instanceId) }),
        ),
      );
      ctx.logger.info(`Deleted key pair ${keyPairName(ref.instanceId)}`);
    }
  }

  /** Stops the VM (StopInstances), keeping its volumes; a stopped VM is left as it is. */
  async stop(ref: HostRef, ctx: StepContext): Promise<void> {
    const deadline = Date.now() + this.config.startTimeoutSeconds * 1000;
    const id = await this.vmId(ref, ctx);
    await this.waits.untilAt(
      id,
      'stopped',
      async () => {
        await this.call('StopInstances', ctx, () =>
          this.options.ec2.send(
            new StopInstancesCommand({ InstanceIds: [id] }),
          ),
        );
        ctx.logger.info(`Stopping VM ${id}`);
      },
      deadline,
      ctx,
    );
  }

  /**
   * Starts the VM again (StartInstances), waits until it passes its status checks and Docker
   * answers over SSH (the host key pinned at provisioning), and returns the HostRef with the
   * VM's address read anew when it changed (a public IP does, without an Elastic IP).
   */
  async start(ref: HostRef, ctx: StepContext): Promise<HostRef | void> {
    const deadline = Date.now() + this.config.startTimeoutSeconds * 1000;
    const id = await this.vmId(ref, ctx);
    const vm = await this.waits.untilAt(
      id,
      'running',
      async () => {
        await this.call('StartInstances', ctx, () =>
          this.options.ec2.send(
            new StartInstancesCommand({ InstanceIds: [id] }),
          ),
        );
        ctx.logger.info(`Starting VM ${id}`);
      },
      deadline,
      ctx,
    );
    await this.waits.untilStatusOk(id, deadline, ctx);
    const address = this.ref(ref.instanceId, vm).address;
    if (!address) {
      throw new RuntimeFault(
        'HOST_UNAVAILABLE',
        `VM ${id} has no ${this.config.addressType} IP address after starting (dbaas.runtimes.ec2.addressType)`,
      );
    }
    const started: HostRef = {
      ...ref,
      address,
      data: { ...ref.data, ec2InstanceId: id },
    };
    await this.waitDockerReady(started, undefined, deadline, ctx);
    if (JSON.stringify(started) === JSON.stringify(ref)) return undefined;
    if (address !== ref.address) {
      ctx.logger.info(`VM ${id} is now at ${address} (was ${ref.address})`);
    }
    return started;
  }

  /**
   * Grows the VM's EBS data volume to `storageGiB` (ModifyVolume; one that large already is
   * left) and its file system over SSH (resize2fs): see storageResize.ts.
   */
  async resizeStorage(
    ref: HostRef,
    storageGiB: number,
    ctx: StepContext,
  ): Promise<void> {
    await this.resize(ref, await this.vmId(ref, ctx), storageGiB, ctx);
  }

  /**
   * Gives the stopped VM the flavor's instance type (ModifyInstanceAttribute; a VM of that type
   * already is left as it is): see flavorChange.ts. The Manager stops the VM first and starts it
   * after.
   */
  async changeFlavor(
    ref: HostRef,
    flavor: Flavor,
    ctx: StepContext,
  ): Promise<void> {
    await this.flavorChange(await this.vmId(ref, ctx), flavor, ctx);
  }

  /** The recorded VM, or the one found by its tags for a HostRef without one. */
  private async vmId(ref: HostRef, ctx: StepContext): Promise<string> {
    const recorded = ref.data.ec2InstanceId;
    if (recorded) return String(recorded);
    const [vm] = await this.lookups.findVms(ref.instanceId, ctx);
    if (!vm) {
      throw new RuntimeFault(
        'HOST_UNAVAILABLE',
        `No VM found for instance ${ref.instanceId}`,
      );
    }
    return vm.InstanceId!;
  }

  /** Terminates a VM unless it is already gone, and waits until it is. */
  private async terminate(id: string, deadline: number, ctx: StepContext) {
    const state = (await this.lookups.describeVm(id, ctx))?.State?.Name;
    if (!state || state === 'terminated') return;
    if (state !== 'shutting-down') {
      await this.call('TerminateInstances', ctx, () =>
        this.options.ec2.send(
          new TerminateInstancesCommand({ InstanceIds: [id] }),
        ),
      );
      ctx.logger.info(`Terminating VM ${id}`);
    }
    await this.waits.untilTerminated(id, deadline, ctx);
  }

  private ref(instanceId: string, vm: Instance | undefined) {
    return ec2HostRef(this.config, this.options.secretBox, instanceId, vm);
  }
}
