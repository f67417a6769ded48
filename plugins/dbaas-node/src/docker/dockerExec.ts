import Docker from 'dockerode';
import { PassThrough, Readable } from 'stream';

/** What a command run in a container to its end printed, and its exit code. */
export interface ExecOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `cmd` in the running container and waits for its end (Tty off: the output is demuxed). */
export async function execIn(
  container: Docker.Container,
  cmd: string[],
  options: { user?: string } = {},
): Promise<ExecOutput> {
  const { stdout, stderr, exitCode } = await execStream(
    container,
    cmd,
    options,
  );
  const collect = async (stream: Readable) => {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const [out, err] = await Promise.all([collect(stdout), collect(stderr)]);
  return { exitCode: await exitCode, stdout: out, stderr: err };
}

/** `execIn` that fails (naming the command and its error output) on a non-zero exit code. */
export async function execOk(
  container: Docker.Container,
  cmd: string[],
  options: { user?: string } = {},
): Promise<string> {
  const output = await execIn(container, cmd, options);
  if (output.exitCode !== 0) {
    throw new Error(
      `${cmd[0]} in the container exited with code ${output.exitCode}: ${
        output.stderr.trim().split('\n').slice(-3).join(' | ') ||
        output.stdout.trim().split('\n').slice(-3).join(' | ')
      }`,
    );
  }
  return output.stdout;
}

/**
 * Starts `cmd` in the running container with its stdout and stderr as two streams, demuxed
 * from Docker's frames with back-pressure (the command waits while stdout is not read);
 * `exitCode` settles once both have ended.
 */
export async function execStream(
  container: Docker.Container,
  cmd: string[],
  options: { user?: string } = {},
): Promise<{ stdout: Readable; stderr: Readable; exitCode: Promise<number> }> {
  const exec = await container.exec({
    Cmd: cmd,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    ...(options.user ? { User: options.user } : {}),
  });
  const raw = (await exec.start({ hijack: true, stdin: false })) as Readable &
    NodeJS.ReadableStream;
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const ended = demuxFrames(raw, stdout, stderr);
  const exitCode = ended.then(async () => {
    const state = await exec.inspect();
    return state.ExitCode ?? -1;
  });
  exitCode.catch(() => {}); // the streams carry the same error
  return { stdout, stderr, exitCode };
}

/**
 * Docker's multiplexed stream (8-byte headers: stream 1 = stdout, 2 = stderr, then the
 * length) into two streams; pauses the source while either is full. Resolves when the
 * source ends, rejects (destroying both) when it errors.
 */
function demuxFrames(
  raw: Readable,
  stdout: PassThrough,
  stderr: PassThrough,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let buffer = Buffer.alloc(0);
    const fail = (error: Error) => {
      stdout.destroy(error);
      stderr.destroy(error);
      raw.destroy();
      reject(error);
    };
    const resume = () => raw.resume();
    stdout.on('drain', resume);
    stderr.on('drain', resume);
    // a reader that gives up (destroys its stream) ends the command's output too
    stdout.on('close', () => {
      if (!stdout.writableFinished) raw.destroy();
    });
    raw.on('data', (chunk: Buffer) => {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      let full = false;
      while (buffer.length >= 8) {
        const size = buffer.readUInt32BE(4);
        if (buffer.length < 8 + size) break;
        const target = buffer[0] === 2 ? stderr : stdout;
        const payload = buffer.subarray(8, 8 + size);
        buffer = buffer.subarray(8 + size);
        if (!target.destroyed && !target.write(payload)) full = true;
      }
      if (full) raw.pause();
    });
    raw.on('error', fail);
    raw.on('end', () => {
      stdout.end();
      stderr.end();
      resolve();
    });
    raw.on('close', () => {
      if (!raw.readableEnded) {
        fail(new Error('the connection to the container closed early'));
      }
    });
  });
}
