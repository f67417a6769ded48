import {
  DescribeVolumesCommand,
  DescribeVolumesModificationsCommand,
  EC2Client,
  ModifyVolumeCommand,
  VolumeModification,
} from '@aws-sdk/client-ec2';
import {
  containerName,
  HostRef,
  RuntimeFault,
  StepContext,
  VmDockerFor,
  waitFor,
} from '@dbaas/plugin-dbaas-node';
import Docker from 'dockerode';
import { AwsCall, AwsFault } from './awsErrors';
import { Ec2RuntimeConfig } from './config';
import { byInstanceTag } from './tags';
import { ec2WaitOptions } from './vmWaits';

/**
 * Grows the file system of the data volume, run on the VM as root by systemd (the user-data puts
 * ext4 on the whole volume, no partition, mounted at /var/lib/docker): waits until the kernel
 * sees the volume at the size asked for (an EBS modification shows a moment after it starts),
 * then `resize2fs` online. Already that large: resize2fs has nothing to do. Prints the file
 * system's size in bytes.
 */
export const GROW_DATA_FILE_SYSTEM = `set -eu
want="$1"
dev="$(findmnt -no SOURCE /var/lib/docker)"
[ -b "$dev" ] || { echo "dbaas: /var/lib/docker is not mounted from a block device ($dev)" >&2; exit 3; }
sectors="/sys/dev/block/$(($(stat -Lc '0x%t' "$dev"))):$(($(stat -Lc '0x%T' "$dev")))/size"
size=0
for i in $(seq 1 90); do
  size=$(($(cat "$sectors") * 512))
  [ "$size" -ge "$want" ] && break
  sleep 2
done
[ "$size" -ge "$want" ] || { echo "dbaas: $dev is still $size bytes after 180 s, not $want" >&2; exit 4; }
resize2fs "$dev" 2>&1
df -B1 --output=size /var/lib/docker | tail -n 1 | tr -d ' '`;

/** The one-shot container that hands GROW_DATA_FILE_SYSTEM to the VM's systemd. */
export const growContainerName = (instanceId: string) =>
  `dbaas-grow-${instanceId}`;

export interface StorageResizeDeps {
  ec2: EC2Client;
  config: Pick<Ec2RuntimeConfig, 'pollIntervalSeconds' | 'startTimeoutSeconds'>;
  call: AwsCall;
  dockerFor: VmDockerFor;
}

const GiB = 1024 ** 3;

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

  /**
   * Runs GROW_DATA_FILE_SYSTEM on the VM over SSH: Docker there starts a short-lived container
   * of the server's image (on the VM already) in the VM's PID namespace, which enters the VM's
   * mount namespace and has systemd run the script as a transient service (root, every
   * capability, every device); its output and exit code come back.
   */
  async function growFileSystem(
    ref: HostRef,
    storageGiB: number,
    ctx: StepContext,
  ) {
    const docker = dockerFor(ref);
    const name = growContainerName(ref.instanceId);
    let image: string;
    try {
      image = (
        await docker.getContainer(containerName(ref.instanceId)).inspect()
      ).Config.Image;
    } catch (error) {
      throw new RuntimeFault(
        'HOST_UNAVAILABLE',
        `Cannot grow the file system on ${
          ref.address
        }: the server's container ${containerName(
          ref.instanceId,
        )}, whose image runs the grow, is not there (${
          (error as Error).message
        })`,
      );
    }
    await removeContainer(docker, name);
    const container = await docker.createContainer({
      name,
      Image: image,
      User: 'root',
      Entrypoint: ['nsenter'],
      Cmd: [
        '--target=1',
        '--mount',
        '--',
        'systemd-run',
        '--quiet',
        '--wait',
        '--pipe',
        '--collect',
        '--description=DBaaS: grow the data file system',
        'sh',
        '-c',
        GROW_DATA_FILE_SYSTEM,
        'dbaas-grow',
        String(storageGiB * GiB),
      ],
      Tty: true,
      HostConfig: {
        PidMode: 'host',
        NetworkMode: 'none',
        // setns into PID 1's mount namespace; systemd does the rest with its own powers
        CapAdd: ['SYS_ADMIN', 'SYS_PTRACE'],
        SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
      },
    });
    try {
      await container.start();
      const { StatusCode } = await container.wait();
      const output = (await container.logs({ stdout: true, stderr: true }))
        .toString('utf8')
        .replace(/\r/g, '')
        .trim();
      if (StatusCode !== 0) {
        throw new RuntimeFault(
          'HOST_UNAVAILABLE',
          `Growing the file system of the data volume on ${
            ref.address
          } failed (exit ${StatusCode}): ${output
            .split('\n')
            .slice(-3)
            .join(' | ')}`,
        );
      }
      const bytes = Number(output.split('\n').pop());
      ctx.logger.info(
        `The data file system on ${ref.address} is ${
          Number.isFinite(bytes) ? (bytes / GiB).toFixed(1) : '?'
        } GiB`,
      );
    } finally {
      await removeContainer(docker, name);
    }
  }

  return async function resizeStorage(
    ref: HostRef,
    vmId: string,
    storageGiB: number,
    ctx: StepContext,
  ) {
    const deadline = Date.now() + config.startTimeoutSeconds * 1000;
    await growVolume(ref, vmId, storageGiB, deadline, ctx);
    try {
      await growFileSystem(ref, storageGiB, ctx);
    } catch (error) {
      if (error instanceof RuntimeFault) throw error;
      throw new RuntimeFault(
        'HOST_UNAVAILABLE',
        `Cannot grow the file system on ${ref.address} over SSH: ${
          (error as Error).message
        }`,
      );
    }
  };
}

async function removeContainer(docker: Docker, name: string) {
  await docker
    .getContainer(name)
    .remove({ force: true })
    .catch(error => {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    });
}
