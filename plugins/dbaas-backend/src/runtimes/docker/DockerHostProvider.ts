import {
  HostProvider,
  HostRef,
  HostSpec,
  HostState,
  instanceLabels,
  isNotFound,
  RuntimeFault,
  StepContext,
  volumeName,
  walVolumeName,
} from '@dbaas/plugin-dbaas-node';
import { DockerHosts } from './DockerHosts';

/**
 * A "host" on Docker: a place on one of the configured engines, chosen by free capacity,
 * with the instance's named volume.
 */
export class DockerHostProvider implements HostProvider {
  constructor(private readonly hosts: DockerHosts) {}

  async provision(spec: HostSpec, ctx: StepContext): Promise<HostRef> {
    const existing = await this.find(spec.instanceId);
    if (existing) return existing;

    const host = await this.pickHost(spec);
    const docker = this.hosts.client(host.name);
    const volume = volumeName(spec.instanceId);
    await docker.createVolume({
      Name: volume,
      Labels: instanceLabels(spec),
    });
    ctx.logger.info(`Volume ${volume} created on Docker host ${host.name}`);
    return this.ref(spec.instanceId, host.name, volume);
  }

  async find(instanceId: string): Promise<HostRef | undefined> {
    for (const host of this.hosts.hosts) {
      try {
        const volume = await this.hosts
          .client(host.name)
          .getVolume(volumeName(instanceId))
          .inspect();
        return this.ref(instanceId, host.name, volume.Name);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    return undefined;
  }

  async describe(ref: HostRef): Promise<HostState> {
    try {
      await this.volume(ref).inspect();
      return { exists: true };
    } catch (error) {
      if (isNotFound(error))
        return { exists: false, message: `volume ${ref.data.volume} is gone` };
      throw error;
    }
  }

  async destroy(ref: HostRef): Promise<void> {
    const docker = this.hosts.client(String(ref.data.host));
    // the data volume, and the WAL spool the engine runtime made beside it (if still there)
    for (const volume of [
      this.volume(ref),
      docker.getVolume(walVolumeName(ref.instanceId)),
    ]) {
      try {
        await volume.remove();
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
  }

  /** The instance's volume on its Docker host. */
  private volume(ref: HostRef) {
    return this.hosts
      .client(String(ref.data.host))
      .getVolume(String(ref.data.volume));
  }

  private ref(instanceId: string, host: string, volume: string): HostRef {
    return {
      runtime: 'docker',
      instanceId,
      address: this.hosts.config(host).publishAddress,
      data: { host, volume },
    };
  }

  private async pickHost(spec: HostSpec) {
    const candidates = [];
    const reasons: string[] = [];
    for (const host of this.hosts.hosts) {
      try {
        const usage = await this.hosts.usage(host.name);
        const free = host.memoryMiB - usage.memoryMiB;
        if (usage.instances >= host.maxInstances) {
          reasons.push(
            `${host.name}: ${usage.instances} of ${host.maxInstances} instances`,
          );
        } else if (free < spec.flavor.memoryMiB) {
          reasons.push(`${host.name}: ${free} MiB free`);
        } else {
          candidates.push({ host, free });
        }
      } catch (error) {
        reasons.push(`${host.name}: unreachable (${(error as Error).message})`);
      }
    }
    candidates.sort((a, b) => b.free - a.free);
    if (!candidates.length) {
      throw new RuntimeFault(
        'HOST_CAPACITY',
        `No Docker host can take ${
          spec.flavor.memoryMiB
        } MiB more: ${reasons.join('; ')}`,
      );
    }
    return candidates[0].host;
  }
}
