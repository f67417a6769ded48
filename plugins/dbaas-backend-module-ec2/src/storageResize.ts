import {
  DescribeVolumesCommand,
  DescribeVolumesModificationsCommand,
  EC2Client,
  ModifyVolumeCommand,
  VolumeModification,
} from '@aws-sdk/client-ec2';
import {
  growVmDataFileSystem,
  HostRef,
  RuntimeFault,
  StepContext,
  VmDockerFor,
  waitFor,
} from '@dbaas/plugin-dbaas-node';
import { AwsCall, AwsFault } from './awsErrors';
import { Ec2RuntimeConfig } from './config';
import { byInstanceTag } from './tags';
import { ec2WaitOptions } from './vmWaits';

export interface StorageResizeDeps {
  ec2: EC2Client;
  config: Pick<Ec2RuntimeConfig, 'pollIntervalSeconds' | 'startTimeoutSeconds'>;
  call: AwsCall;
  dockerFor: VmDockerFor;
}

/**
 * Grows an instance's EBS data volume (`ModifyVolume`, unless it is that large already or a
 * modification to that size is under way), waits until the modification is `optimizing` or
 * `completed`, then grows the file system on the VM over SSH. Every step is idempotent.
 */
export function createStorageResize({
  ec2,
  config,
  call,
  dockerFor,
}: StorageResizeDeps) {
  async function dataVolume(ref: HostRef, vmId: string, ctx: StepContext) {
    const result = await call('DescribeVolumes', ctx, () =>
      ec2.send(
        new DescribeVolumesCommand({
          Filters: [
            ...byInstanceTag(ref.instanceId),
            { Name: 'attachment.instance-id', Values: [vmId] },
          ],
        }),
      ),
    );
    const [volume, ...others] = result.Volumes ?? [];
    if (!volume?.VolumeId || others.length) {
      throw new RuntimeFault(
        'HOST_UNAVAILABLE',
        `VM ${vmId} has ${
          volume ? 'more than one' : 'no'
        } data volume tagged for instance ${ref.instanceId}`,
      );
    }
    return volume;
  }

  /** The volume's latest modification; none when it was never modified. */
  async function latestModification(
    volumeId: string,
    ctx: StepContext,
  ): Promise<VolumeModification | undefined> {
    try {
      const result = await call('DescribeVolumesModifications', ctx, () =>
        ec2.send(
          new DescribeVolumesModificationsCommand({ VolumeIds: [volumeId] }),
        ),
      );
      return (result.VolumesModifications ?? [])
        .slice()
        .sort(
          (a, b) =>
            (b.StartTime?.getTime() ?? 0) - (a.StartTime?.getTime() ?? 0),
        )[0];
    } catch (error) {
      if ((error as AwsFault).awsCode === 'InvalidVolumeModification.NotFound')
        return undefined;
      throw error;
    }
  }

  async function growVolume(
    ref: HostRef,
    vmId: string,
    storageGiB: number,
    deadline: number,
    ctx: StepContext,
  ) {
    const volume = await dataVolume(ref, vmId, ctx);
    const volumeId = volume.VolumeId!;
    const latest = await latestModification(volumeId, ctx);
    const asked =
      latest?.ModificationState !== 'failed' &&
      (latest?.TargetSize ?? 0) >= storageGiB;
    if ((volume.Size ?? 0) >= storageGiB && !asked) {
      ctx.logger.info(
        `Volume ${volumeId} is ${volume.Size} GiB already; not modified`,
      );
      return;
    }
    if (!asked) {
      await call('ModifyVolume', ctx, () =>
        ec2.send(
          new ModifyVolumeCommand({ VolumeId: volumeId, Size: storageGiB }),
        ),
      );
      ctx.logger.info(
        `Modifying volume ${volumeId} from ${volume.Size} to ${storageGiB} GiB`,
      );
    }
    await waitFor(
      async () => {
        const modification = await latestModification(volumeId, ctx);
        const state = modification?.ModificationState;
        if (state === 'failed') {
          throw new RuntimeFault(
            'HOST_UNAVAILABLE',
            `EC2 could not grow volume ${volumeId} to ${storageGiB} GiB: ${
              modification?.StatusMessage ?? 'the modification failed'
            }`,
          );
        }
        return state === 'optimizing' || state === 'completed'
          ? true
          : undefined;
      },
      ctx,
      ec2WaitOptions(
        config,
        deadline,
        `volume ${volumeId}'s modification to ${storageGiB} GiB`,
      ),
    );
    ctx.logger.info(`Volume ${volumeId} is ${storageGiB} GiB`);
  }

  return async function resizeStorage(
    ref: HostRef,
    vmId: string,
    storageGiB: number,
    ctx: StepContext,
  ) {
    const deadline = Date.now() + config.startTimeoutSeconds * 1000;
    await growVolume(ref, vmId, storageGiB, deadline, ctx);
    await growVmDataFileSystem(dockerFor(ref), ref, storageGiB, ctx);
  };
}
