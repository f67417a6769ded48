import crypto from 'crypto';
import {
  DisksClient,
  InstancesClient,
  protos,
  ZoneOperationsClient,
} from '@google-cloud/compute';
import { LoggerService } from '@backstage/backend-plugin-api';
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
import {
  createGceCall,
  GceCall,
  GceFault,
  isNotFound,
  isZoneExhausted,
  NO_CLIENT_RETRY,
  OperationError,
  toRuntimeFault,
} from './computeErrors';
import { GceRuntimeConfig } from './config';
import { createGceFlavorChange } from './flavorChange';
import { gceHostRef, instanceKeyPair } from './hostRef';
import { createGceStorageResize } from './storageResize';
import { insertRequest, uuidFromName } from './insertRequest';
import { byInstanceLabel, isInstanceResource, vmName } from './labels';

type Instance = protos.google.cloud.compute.v1.IInstance;
type Operation = protos.google.cloud.compute.v1.IOperation;

/** The Compute clients the provider calls. */
export interface GceClients {
  instances: InstancesClient;
  disks: DisksClient;
  zoneOperations: ZoneOperationsClient;
}

export interface GceHostProviderOptions {
  clients: GceClients;
  config: GceRuntimeConfig;
  secretBox: SecretSealer;
  logger: LoggerService;
  /** Docker on a VM over SSH (dockerOverSsh; a fake in contract tests). */
  dockerFor: VmDockerFor;
}

/**
 * A "host" on Google Compute Engine: one VM per database, created with `instances.insert`
 * (a request id derived from the instance id, so a retried create never makes a second VM)
 * in the first configured zone that has capacity, with a separate persistent data disk; its
 * startup script installs Docker, and provisioning waits until Docker answers over SSH. Found
 * again by its labels; destroy deletes the VM and the data disk, and nothing else; stop and
 * start keep both.
 */
export class GceHostProvider implements HostProvider {
  private readonly config: GceRuntimeConfig;
  private readonly call: GceCall;
  private readonly waitDockerReady: ReturnType<typeof createVmDockerReadyWait>;
  /** Grows the data disk and its file system (storageResize.ts). */
  readonly resizeStorage: HostProvider['resizeStorage'];
  /** Another machine type for the stopped VM (flavorChange.ts). */
  readonly changeFlavor: HostProvider['changeFlavor'];

  constructor(private readonly options: GceHostProviderOptions) {
    this.config = options.config;
    this.call = createGceCall(options.config, options.logger);
    this.waitDockerReady = createVmDockerReadyWait({
      dockerFor: options.dockerFor,
      waitOptions: (deadline, what) => ({
        deadline,
        intervalMs: this.config.pollIntervalSeconds * 1000,
        what,
        timeoutHint: 'dbaas.runtimes.gce.startTimeoutSeconds',
      }),
      bootLogHint:
        "see the startup-script's output in the VM's serial console (google_metadata_script_runner)",
    });
    const dayTwo = {
      clients: options.clients,
      config: options.config,
      call: this.call,
      untilDone: this.untilDone.bind(this),
      dockerFor: options.dockerFor,
    };
    this.resizeStorage = createGceStorageResize(dayTwo);
    const changeMachineType = createGceFlavorChange(dayTwo);
    this.changeFlavor = async (ref, flavor, ctx) =>
      changeMachineType(ref, await this.untilTerminated(ref, ctx), flavor, ctx);
  }

  async provision(spec: HostSpec, ctx: StepContext): Promise<HostRef> {
    const deadline = Date.now() + this.config.startTimeoutSeconds * 1000;
    const [found, ...extra] = await this.findVms(spec.instanceId, ctx);
    for (const other of extra) {
      ctx.logger.warn(
        `VM ${other.vm.name} in ${other.zone} is a second VM for this instance; deleting it`,
      );
      await this.deleteVm(
        spec.instanceId,
        other.zone,
        other.vm.name!,
        deadline,
        ctx,
      );
    }
    let zone: string;
    let name: string;
    if (found) {
      ({ zone } = found);
      name = found.vm.name!;
      ctx.logger.info(
        `VM ${name} in ${zone} already created for this instance`,
      );
    } else {
      zone = await this.create(spec, deadline, ctx);
      name = vmName(spec.instanceId);
    }
    const vm = await this.untilRunning(zone, name, deadline, ctx);
    const ref = gceHostRef(
      this.config,
      this.options.secretBox,
      spec.instanceId,
      zone,
      vm,
    );
    this.requireAddress(ref, name);
    await this.waitDockerReady(ref, spec, deadline, ctx);
    return ref;
  }

  /**
   * Waits until a VM that is stopping has stopped (the Manager skips the stop of a VM that
   * describes as stopping); one that runs is not waited for.
   */
  private async untilTerminated(
    ref: HostRef,
    ctx: StepContext,
  ): Promise<Instance> {
    const deadline = Date.now() + this.config.startTimeoutSeconds * 1000;
    const { zone, name } = this.vmOf(ref);
    return this.untilVm(zone, name, 'stop', deadline, ctx, vm => {
      if (vm.status === 'TERMINATED') return vm;
      if (vm.status === 'STOPPING' || vm.status === 'SUSPENDING')
        return undefined;
      throw new RuntimeFault(
        'HOST_UNAVAILABLE',
        `VM ${name} in ${zone} is ${vm.status}: its machine type changes only while it is stopped`,
      );
    });
  }

  /** Stops the VM (instances.stop), keeping its disks; a stopped VM is left as it is. */
  async stop(ref: HostRef, ctx: StepContext): Promise<void> {
    const deadline = Date.now() + this.config.startTimeoutSeconds * 1000;
    const { zone, name } = this.vmOf(ref);
    await this.vmAction('stop', zone, name, deadline, ctx);
    await this.untilVm(zone, name, 'stop', deadline, ctx, vm =>
      vm.status === 'TERMINATED' ? true : undefined,
    );
  }

  /**
   * Starts the VM again (instances.start), waits until it runs and Docker answers over SSH
   * (the host key pinned at provisioning), and returns the HostRef with the address read anew
   * when it changed (an ephemeral external IP does).
   */
  async start(ref: HostRef, ctx: StepContext): Promise<HostRef | void> {
    const deadline = Date.now() + this.config.startTimeoutSeconds * 1000;
    const { zone, name } = this.vmOf(ref);
    await this.vmAction('start', zone, name, deadline, ctx);
    const vm = await this.untilRunning(zone, name, deadline, ctx);
    const { address } = this.requireAddress(
      gceHostRef(this.config, this.options.secretBox, ref.instanceId, zone, vm),
      name,
    );
    const started: HostRef = { ...ref, address, data: { ...ref.data } };
    await this.waitDockerReady(started, undefined, deadline, ctx);
    if (JSON.stringify(started) === JSON.stringify(ref)) return undefined;
    if (address !== ref.address) {
      ctx.logger.info(`VM ${name} is now at ${address} (was ${ref.address})`);
    }
    return started;
  }

  private requireAddress(ref: HostRef, name: string): HostRef {
    if (!ref.address) {
      throw new RuntimeFault(
        'HOST_UNAVAILABLE',
        `VM ${name} has no ${
          this.config.externalIp ? 'external' : 'internal'
        } IP address (dbaas.runtimes.gce.externalIp)`,
      );
    }
    return ref;
  }

  private vmOf(ref: HostRef) {
    const zone = String(ref.data.zone ?? '');
    const name = String(ref.data.gceInstanceName ?? '');
    if (!zone || !name) {
      throw new RuntimeFault(
        'HOST_UNAVAILABLE',
        `instance ${ref.instanceId} has no VM recorded`,
      );
    }
    return { zone, name };
  }

  /** instances.stop or instances.start, waited for: one request id for the call's retries. */
  private async vmAction(
    action: 'stop' | 'start',
    zone: string,
    name: string,
    deadline: number,
    ctx: StepContext,
  ) {
    const operationName = `instances.${action}`;
    const request = {
      project: this.config.project,
      zone,
      instance: name,
      // a new id each time: a VM is stopped and started many times over its life
      requestId: crypto.randomUUID(),
    };
    const [operation] = await this.call(operationName, ctx, () =>
      action === 'stop'
        ? this.options.clients.instances.stop(request, NO_CLIENT_RETRY)
        : this.options.clients.instances.start(request, NO_CLIENT_RETRY),
    );
    ctx.logger.info(
      `${action === 'stop' ? 'Stopping' : 'Starting'} VM ${name} in ${zone}`,
    );
    await this.untilDone(
      operationName,
      zone,
      operation.latestResponse as Operation,
      deadline,
      ctx,
    );
  }

  async describe(ref: HostRef): Promise<HostState> {
    const zone = String(ref.data.zone ?? '');
    const name = String(ref.data.gceInstanceName ?? '');
    const vm = zone && name ? await this.getVm(zone, name) : undefined;
    const status = vm?.status;
    if (!vm) return { exists: false, message: `VM ${name || '-'} is gone` };
    if (status === 'RUNNING') return { exists: true };
    const stopped = ['STOPPING', 'TERMINATED', 'SUSPENDING', 'SUSPENDED'];
    return {
      exists: true,
      message: `VM ${name} is ${status}`,
      ...(stopped.includes(status ?? '') ? { stopped: true } : {}),
    };
  }

  async find(instanceId: string): Promise<HostRef | undefined> {
    const [found] = await this.findVms(instanceId);
    if (found) {
      return gceHostRef(
        this.config,
        this.options.secretBox,
        instanceId,
        found.zone,
        found.vm,
      );
    }
    // a data disk left by a create that failed half-way
    const [disk] = await this.findDisks(instanceId);
    return disk
      ? gceHostRef(
          this.config,
          this.options.secretBox,
          instanceId,
          disk.zone,
          undefined,
        )
      : undefined;
  }

  async destroy(ref: HostRef, ctx: StepContext): Promise<void> {
    const deadline = Date.now() + this.config.startTimeoutSeconds * 1000;
    for (const { zone, vm } of await this.findVms(ref.instanceId, ctx)) {
      await this.deleteVm(ref.instanceId, zone, vm.name!, deadline, ctx);
    }
    for (const { zone, name } of await this.findDisks(ref.instanceId, ctx)) {
      await this.deleteDisk(ref.instanceId, zone, name, deadline, ctx);
    }
  }

  /** Inserts the VM in the first zone with capacity; returns the zone. */
  private async create(
    spec: HostSpec,
    deadline: number,
    ctx: StepContext,
  ): Promise<string> {
    const { publicKey } = instanceKeyPair(
      this.options.secretBox,
      spec.instanceId,
    );
    const { zones } = this.config;
    for (const [index, zone] of zones.entries()) {
      const request = insertRequest({ spec, zone, publicKey }, this.config);
      try {
        const [operation] = await this.call('instances.insert', ctx, () =>
          this.options.clients.instances.insert(request, NO_CLIENT_RETRY),
        );
        ctx.logger.info(
          `Creating VM ${request.instanceResource!.name} in ${zone} (request ${
            request.requestId
          })`,
        );
        await this.untilDone(
          'instances.insert',
          zone,
          operation.latestResponse as Operation,
          deadline,
          ctx,
        );
        return zone;
      } catch (error) {
        if (!isZoneExhausted(error) || index === zones.length - 1) throw error;
        ctx.logger.warn(
          `Zone ${zone} has no capacity for this VM (ZONE_RESOURCE_POOL_EXHAUSTED); trying ${
            zones[index + 1]
          }`,
        );
        // a failed insert rolls its disks back; one left behind is not kept
        for (const disk of await this.findDisks(spec.instanceId, ctx, [zone])) {
          await this.deleteDisk(
            spec.instanceId,
            zone,
            disk.name,
            deadline,
            ctx,
          );
        }
      }
    }
    throw new Error('dbaas.runtimes.gce.zones is empty');
  }

  /** Waits for a zone operation with `zoneOperations.wait`; an operation that failed throws. */
  private async untilDone(
    what: string,
    zone: string,
    operation: Operation,
    deadline: number,
    ctx: StepContext,
  ): Promise<void> {
    let op = operation;
    while (op.status !== 'DONE') {
      if (Date.now() > deadline) {
        throw new RuntimeFault(
          'HOST_UNAVAILABLE',
          `Timed out waiting for GCE operation ${op.name} (${what}) in ${zone} (dbaas.runtimes.gce.startTimeoutSeconds)`,
        );
      }
      ctx.signal.throwIfAborted();
      // answers when the operation is DONE, or after about two minutes
      const request = {
        project: this.config.project,
        zone,
        operation: op.name!,
      };
      [op] = await this.call('zoneOperations.wait', ctx, () =>
        this.options.clients.zoneOperations.wait(request, NO_CLIENT_RETRY),
      );
    }
    const errors = op.error?.errors ?? [];
    if (errors.length) {
      // mapped like a failed call: capacity, quota, permission, or the key to fix
      throw toRuntimeFault(
        what,
        new OperationError(
          errors.map(e => e.code ?? 'UNKNOWN'),
          errors.map(e => `${e.code}: ${e.message}`).join('; '),
          op.httpErrorStatusCode ?? undefined,
        ),
        this.config,
      );
    }
  }

  private untilRunning(
    zone: string,
    name: string,
    deadline: number,
    ctx: StepContext,
  ): Promise<Instance> {
    return this.untilVm(zone, name, 'run', deadline, ctx, vm => {
      if (vm.status === 'TERMINATED' || vm.status === 'SUSPENDED') {
        // a VM stopped (or one that failed to boot) never runs by waiting for it
        throw new RuntimeFault(
          'HOST_UNAVAILABLE',
          `VM ${name} in ${zone} is ${vm.status}, not starting: see its serial console in the Google Cloud console, or delete the instance`,
        );
      }
      return vm.status === 'RUNNING' ? vm : undefined;
    });
  }

  /** Polls the VM until `check` returns a value; a VM that is gone fails at once. */
  private untilVm<T>(
    zone: string,
    name: string,
    to: 'run' | 'stop',
    deadline: number,
    ctx: StepContext,
    check: (vm: Instance) => T | undefined,
  ): Promise<T> {
    return waitFor(
      async () => {
        const vm = await this.getVm(zone, name, ctx);
        if (!vm) {
          throw new RuntimeFault(
            'HOST_UNAVAILABLE',
            `VM ${name} in ${zone} disappeared while waiting for it to ${to}`,
          );
        }
        return check(vm);
      },
      ctx,
      {
        deadline,
        intervalMs: this.config.pollIntervalSeconds * 1000,
        what: `VM ${name} in ${zone} to ${to}`,
        timeoutHint:
          'dbaas.runtimes.gce.startTimeoutSeconds; see the VM in the console',
      },
    );
  }

  private async getVm(
    zone: string,
    name: string,
    ctx?: StepContext,
  ): Promise<Instance | undefined> {
    return this.call('instances.get', ctx, () =>
      unlessNotFound(
        this.options.clients.instances.get(
          { project: this.config.project, zone, instance: name },
          NO_CLIENT_RETRY,
        ),
      ).then(answer => answer?.[0]),
    );
  }

  /** The instance's VMs in every configured zone, by label. */
  private async findVms(
    instanceId: string,
    ctx?: StepContext,
  ): Promise<Array<{ zone: string; vm: Instance }>> {
    const found: Array<{ zone: string; vm: Instance }> = [];
    for (const zone of this.config.zones) {
      const [vms] = await this.call('instances.list', ctx, () =>
        this.options.clients.instances.list(
          {
            project: this.config.project,
            zone,
            filter: byInstanceLabel(instanceId),
          },
          NO_CLIENT_RETRY,
        ),
      );
      for (const vm of vms) {
        if (isInstanceResource(vm.labels, instanceId)) found.push({ zone, vm });
      }
    }
    return found;
  }

  /** The instance's data disks in the configured zones, by label. */
  private async findDisks(
    instanceId: string,
    ctx?: StepContext,
    zones = this.config.zones,
  ): Promise<Array<{ zone: string; name: string }>> {
    const found: Array<{ zone: string; name: string }> = [];
    for (const zone of zones) {
      const [disks] = await this.call('disks.list', ctx, () =>
        this.options.clients.disks.list(
          {
            project: this.config.project,
            zone,
            filter: byInstanceLabel(instanceId),
          },
          NO_CLIENT_RETRY,
        ),
      );
      for (const disk of disks) {
        // the boot disk goes with the VM (autoDelete); only data disks are ours to delete
        if (
          isInstanceResource(disk.labels, instanceId) &&
          disk.name !== vmName(instanceId)
        ) {
          found.push({ zone, name: disk.name! });
        }
      }
    }
    return found;
  }

  private deleteVm(
    instanceId: string,
    zone: string,
    name: string,
    deadline: number,
    ctx: StepContext,
  ) {
    return this.deleteResource(
      'instance',
      instanceId,
      zone,
      name,
      deadline,
      ctx,
    );
  }

  private deleteDisk(
    instanceId: string,
    zone: string,
    name: string,
    deadline: number,
    ctx: StepContext,
  ) {
    return this.deleteResource('disk', instanceId, zone, name, deadline, ctx);
  }

  /** Deletes a VM or a disk and waits for it; one already gone is fine. */
  private async deleteResource(
    kind: 'instance' | 'disk',
    instanceId: string,
    zone: string,
    name: string,
    deadline: number,
    ctx: StepContext,
  ) {
    const operationName =
      kind === 'instance' ? 'instances.delete' : 'disks.delete';
    const request = {
      project: this.config.project,
      zone,
      requestId: deleteRequestId(kind, instanceId, zone, name),
    };
    try {
      const answer = await this.call(operationName, ctx, () =>
        unlessNotFound(
          kind === 'instance'
            ? this.options.clients.instances.delete(
                { ...request, instance: name },
                NO_CLIENT_RETRY,
              )
            : this.options.clients.disks.delete(
                { ...request, disk: name },
                NO_CLIENT_RETRY,
              ),
        ),
      );
      if (!answer) return;
      const [operation] = answer;
      ctx.logger.info(
        `Deleting ${kind === 'instance' ? 'VM' : 'disk'} ${name} in ${zone}`,
      );
      await this.untilDone(
        operationName,
        zone,
        operation.latestResponse as Operation,
        deadline,
        ctx,
      );
    } catch (error) {
      if (!isGone(error)) throw error;
    }
  }
}

/** A call's answer, or undefined when GCE answers 404 (the resource is gone). */
async function unlessNotFound<T>(answer: Promise<T>): Promise<T | undefined> {
  try {
    return await answer;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** A delete whose operation found the resource gone already. */
function isGone(error: unknown) {
  return error instanceof GceFault && error.reason === 'RESOURCE_NOT_FOUND';
}

/** A stable request id for a delete, so a repeated one is the same request. */
function deleteRequestId(
  kind: string,
  instanceId: string,
  zone: string,
  name: string,
): string {
  return uuidFromName(`gce-delete-${kind}:${instanceId}:${zone}:${name}`);
}
