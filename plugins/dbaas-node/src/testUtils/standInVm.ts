/**
 * A stand-in for a cloud VM (an EC2 instance, a Compute Engine VM) in tests: a container of
 * dbaas/ec2-standin:bookworm (scripts/ci/ec2-standin/build.sh) that boots systemd and
 * cloud-init from a NoCloud seed, with a blank sparse file on a loop device as its data volume
 * /dev/xvdf. Needs root on the Docker host (losetup) and the local Docker socket.
 */
import Docker from 'dockerode';
import { execFile, execFileSync } from 'node:child_process';
import {
  mkdir,
  open,
  readdir,
  readFile,
  rm,
  writeFile,
} from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { tarFiles } from '../tarFiles';

export interface StandInVm {
  name: string;
  /** its IP address on the Docker bridge, reachable from the host */
  address: string;
  /** the data volume as the VM sees it, blank at first boot */
  dataDevice: string;
  /** /var/log/cloud-init-output.log */
  cloudInitOutput(): Promise<string>;
  /** shuts the VM down (systemd halts on Docker's stop signal), keeping its disks */
  stop(): Promise<void>;
  /** boots the stopped VM again; `address` is read anew (the bridge may hand out another) */
  start(): Promise<void>;
  /** whether the VM's container is running */
  running(): Promise<boolean>;
  /**
   * grows the data volume to `GiB` as an EBS modification does: the backing file, then the loop
   * device's capacity, so the VM's kernel sees the larger disk at once (its file system is left)
   */
  growDataDisk(GiB: number): Promise<void>;
  /** removes the container, the loop device and its backing file; idempotent */
  destroy(): Promise<void>;
}

export const STAND_IN_IMAGE = 'dbaas/ec2-standin:bookworm';
export const STAND_IN_LABEL = 'dbaas.backstage.io/test';
const LABEL_VALUE = 'ec2-standin';
const DATA_DEVICE = '/dev/xvdf';

const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const run = promisify(execFile);
const diskDir = join(tmpdir(), 'dbaas-ec2-standin');
const diskFile = (name: string) => join(diskDir, `${name}.img`);

/** The .deb files the VMs download are kept here across runs. */
function aptArchives(): string {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'dbaas-backstage', 'ec2-standin', 'apt-archives');
}

/** The local registry (scripts/ci/start-registry.sh) as the VMs reach it: the docker0 gateway. */
export function registryMirrorAddress(): string {
  // os.networkInterfaces() leaves docker0 out while no container is attached (link down)
  let gateway = '172.17.0.1';
  try {
    const out = execFileSync('ip', [
      '-4',
      '-o',
      'addr',
      'show',
      'dev',
      'docker0',
    ]);
    gateway = /inet ([0-9.]+)\//.exec(out.toString())?.[1] ?? gateway;
  } catch {
    // no iproute2 or no docker0: Docker's default
  }
  return `${gateway}:5000`;
}

/**
 * Docker cannot grant `Privileged` where its own bounding set lacks a capability
 * (runc: "unable to apply caps"), as on hosts without CAP_SYS_RESOURCE. So the VM gets the
 * same powers one by one: every capability the host has, no seccomp/AppArmor, unmasked /proc,
 * all devices allowed; standin-init makes /sys and the cgroups writable.
 */
const CAPABILITIES = [
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'SETPCAP',
  'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'IPC_OWNER',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_CHROOT',
  'SYS_PTRACE',
  'SYS_PACCT',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_NICE',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'MKNOD',
  'LEASE',
  'AUDIT_WRITE',
  'AUDIT_CONTROL',
  'SETFCAP',
  'MAC_OVERRIDE',
  'MAC_ADMIN',
  'SYSLOG',
  'WAKE_ALARM',
  'BLOCK_SUSPEND',
  'AUDIT_READ',
]; // in bit order 0..37

async function hostCapabilities(): Promise<string[]> {
  const status = await readFile('/proc/self/status', 'utf8');
  const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? '0';
  const bounding = BigInt(`0x${hex}`);
  return CAPABILITIES.filter((_, bit) => (bounding >> BigInt(bit)) & 1n);
}

async function detachLoops(file: string): Promise<void> {
  const { stdout } = await run('losetup', ['-j', file, '-O', 'NAME', '-n']);
  for (const device of stdout.split('\n').filter(Boolean)) {
    await run('losetup', ['-d', device.trim()]);
  }
}

async function removeVm(name: string): Promise<void> {
  try {
    await docker.getContainer(name).remove({ force: true, v: true });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
  const file = diskFile(name);
  await detachLoops(file);
  await rm(file, { force: true });
}

async function readFromVm(name: string, path: string): Promise<string> {
  const exec = await docker
    .getContainer(name)
    .exec({ Cmd: ['cat', path], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', chunk => chunks.push(chunk));
  docker.modem.demuxStream(stream, out, new PassThrough());
  await new Promise(resolve => stream.on('end', resolve));
  return Buffer.concat(chunks).toString('utf8');
}

/** The address a just-started stand-in VM got on the Docker bridge. */
async function bridgeAddress(name: string): Promise<string> {
  const container = docker.getContainer(name);
  for (let i = 0; i < 50; i++) {
    const info = await container.inspect();
    if (!info.State.Running) {
      throw new Error(
        `The stand-in VM ${name} stopped at boot: ${
          info.State.Error || `exit ${info.State.ExitCode}`
        }`,
      );
    }
    const address = info.NetworkSettings.Networks.bridge?.IPAddress ?? '';
    if (address) return address;
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  throw new Error(`The stand-in VM ${name} got no IP address`);
}

export async function startStandInVm(options: {
  name: string;
  userData: string;
  metaData: { instanceId: string; hostname: string; publicKeys?: string[] };
  dataDiskGiB: number;
}): Promise<StandInVm> {
  const { name, userData, metaData, dataDiskGiB } = options;
  try {
    await docker.getImage(STAND_IN_IMAGE).inspect();
  } catch {
    throw new Error(
      `The EC2 stand-in needs the image ${STAND_IN_IMAGE}: run scripts/ci/ec2-standin/build.sh`,
    );
  }
  await removeVm(name);
  const vm: StandInVm = {
    name,
    address: '',
    dataDevice: DATA_DEVICE,
    cloudInitOutput: () => readFromVm(name, '/var/log/cloud-init-output.log'),
    stop: async () => {
      await docker
        .getContainer(name)
        .stop({ t: 60 })
        .catch(error => {
          // 304: stopped already
          if ((error as { statusCode?: number }).statusCode !== 304)
            throw error;
        });
    },
    start: async () => {
      const container = docker.getContainer(name);
      const before = vm.address;
      // an EC2 VM keeps its private address across a stop and start; on Docker's bridge another
      // container may have taken it meanwhile: started again until it is free, for a while
      for (let attempt = 0; ; attempt++) {
        await container.start().catch(error => {
          if ((error as { statusCode?: number }).statusCode !== 304)
            throw error;
        });
        vm.address = await bridgeAddress(name);
        if (!before || vm.address === before || attempt >= 20) return;
        await container.stop({ t: 10 }).catch(() => {});
        await new Promise(resolve => setTimeout(resolve, 1000));
      }
    },
    running: async () =>
      (await docker.getContainer(name).inspect()).State.Running,
    growDataDisk: async (GiB: number) => {
      const disk = await open(diskFile(name), 'r+');
      try {
        if ((await disk.stat()).size < GiB * 1024 ** 3)
          await disk.truncate(GiB * 1024 ** 3);
      } finally {
        await disk.close();
      }
      const { stdout } = await run('losetup', [
        '-j',
        diskFile(name),
        '-O',
        'NAME',
        '-n',
      ]);
      for (const device of stdout.split('\n').filter(Boolean)) {
        await run('losetup', ['-c', device.trim()]);
      }
    },
    destroy: () => removeVm(name),
  };
  try {
    await mkdir(diskDir, { recursive: true });
    await mkdir(aptArchives(), { recursive: true });
    const disk = await open(diskFile(name), 'w');
    await disk.truncate(dataDiskGiB * 1024 ** 3);
    await disk.close();
    const loop = (
      await run('losetup', ['-f', '--show', diskFile(name)])
    ).stdout.trim();

    const container = await docker.createContainer({
      name,
      Image: STAND_IN_IMAGE,
      Hostname: metaData.hostname,
      Labels: { [STAND_IN_LABEL]: LABEL_VALUE },
      HostConfig: {
        CapAdd: await hostCapabilities(),
        SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
        MaskedPaths: [], // the API's --security-opt systempaths=unconfined
        ReadonlyPaths: [],
        CgroupnsMode: 'private', // systemd sees its own cgroups as the root
        DeviceCgroupRules: ['a *:* rwm'],
        Devices: [
          {
            PathOnHost: loop,
            PathInContainer: DATA_DEVICE,
            CgroupPermissions: 'rwm',
          },
        ],
        Tmpfs: { '/run': 'rw,exec', '/run/lock': 'rw' },
        Binds: [`${aptArchives()}:/var/cache/apt/archives`],
      } as Docker.HostConfig,
    });
    const seed = {
      'instance-id': metaData.instanceId,
      'local-hostname': metaData.hostname,
      'public-keys': metaData.publicKeys ?? [],
    };
    await container.putArchive(
      tarFiles([
        { name: 'user-data', content: userData, mode: 0o600, uid: 0, gid: 0 },
        // JSON is YAML
        {
          name: 'meta-data',
          content: JSON.stringify(seed),
          mode: 0o600,
          uid: 0,
          gid: 0,
        },
      ]),
      { path: '/var/lib/cloud/seed/nocloud' },
    );
    await container.start();
    vm.address = await bridgeAddress(name);
    return vm;
  } catch (error) {
    await removeVm(name).catch(() => undefined);
    throw error;
  }
}

/** Removes leftover stand-in VMs (and their disks) whose names start with prefix. */
export async function removeStandInVms(prefix: string): Promise<void> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`${STAND_IN_LABEL}=${LABEL_VALUE}`] },
  });
  const names = containers
    .map(c => c.Names[0]?.replace(/^\//, '') ?? '')
    .filter(n => n.startsWith(prefix));
  const disks = (await readdir(diskDir).catch(() => [] as string[])).filter(
    f => f.startsWith(prefix) && f.endsWith('.img'),
  );
  const all = new Set([
    ...names,
    ...disks.map(f => f.slice(0, -'.img'.length)),
  ]);
  for (const name of all) await removeVm(name);
}

const lockDir = join(tmpdir(), 'dbaas-standin.lock');

/**
 * Holds the stand-in VMs for one test suite at a time (across Jest workers and packages):
 * a VM stopped and started gets its bridge address back only while no other long-lived
 * container starts meanwhile, and the certificate the Manager issued names that address.
 * Returns the release; a lock whose holder process is gone is taken over.
 */
export async function lockStandInVms(): Promise<() => Promise<void>> {
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(join(lockDir, 'pid'), String(process.pid));
      return () => rm(lockDir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(
      await readFile(join(lockDir, 'pid'), 'utf8').catch(() => '0'),
    );
    if (holder && !processAlive(holder)) {
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    await new Promise(resolve => setTimeout(resolve, 1000));
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
