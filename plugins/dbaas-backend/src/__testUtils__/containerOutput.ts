import Docker from 'dockerode';

const docker = new Docker({ socketPath: '/var/run/docker.sock' });

/** A command's output in an instance's container (Docker's 8-byte frame headers removed). */
export async function containerOutput(instanceId: string, command: string[]) {
  const exec = await docker.getContainer(`dbaas-${instanceId}`).exec({
    Cmd: command,
    AttachStdout: true,
  });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  await new Promise(resolve => stream.on('end', resolve));
  const raw = Buffer.concat(chunks);
  const parts: Buffer[] = [];
  for (let o = 0; o + 8 <= raw.length; ) {
    const size = raw.readUInt32BE(o + 4);
    parts.push(raw.subarray(o + 8, o + 8 + size));
    o += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}
