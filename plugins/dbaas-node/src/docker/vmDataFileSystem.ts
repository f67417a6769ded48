import Docker from 'dockerode';
import { containerName } from '../imageContract';
import { HostRef, RuntimeFault, StepContext } from '../runtime';

const GiB = 1024 ** 3;

/**
 * Grows the file system of the data volume, run on the VM as root by systemd (the VM's boot script
 * puts ext4 on the whole volume, no partition, mounted at /var/lib/docker): waits until the kernel
 * sees the volume at the size asked for (a cloud disk's resize shows a moment after it starts),
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

/**
 * Runs GROW_DATA_FILE_SYSTEM on the VM over SSH: Docker there starts a short-lived container
 * of the server's image (on the VM already) in the VM's PID namespace, which enters the VM's
 * mount namespace and has systemd run the script as a transient service (root, every
 * capability, every device); its output and exit code come back.
 */
export async function growVmDataFileSystem(
  docker: Docker,
  ref: HostRef,
  storageGiB: number,
  ctx: StepContext,
) {
  try {
    await growOverSsh(docker, ref, storageGiB, ctx);
  } catch (error) {
    if (error instanceof RuntimeFault) throw error;
    throw new RuntimeFault(
      'HOST_UNAVAILABLE',
      `Cannot grow the file system on ${ref.address} over SSH: ${
        (error as Error).message
      }`,
    );
  }
}

async function growOverSsh(
  docker: Docker,
  ref: HostRef,
  storageGiB: number,
  ctx: StepContext,
) {
  const name = growContainerName(ref.instanceId);
  let image: string;
  try {
    image = (await docker.getContainer(containerName(ref.instanceId)).inspect())
      .Config.Image;
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

async function removeContainer(docker: Docker, name: string) {
  await docker
    .getContainer(name)
    .remove({ force: true })
    .catch(error => {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    });
}
