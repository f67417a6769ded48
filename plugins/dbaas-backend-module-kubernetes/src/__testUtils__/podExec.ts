import { spawn } from 'child_process';
import { createHash } from 'crypto';
import http from 'http';
import { Duplex } from 'stream';

/*
 * The API server's side of `pods/{name}/exec` over WebSocket, as the kubelet answers it: the
 * command runs for real with `docker exec` in a container standing in for the pod. Channels
 * as client-node's WebSocketHandler frames them: byte 0 of each binary message is the channel
 * (0 stdin, 1 stdout, 2 stderr, 3 the V1Status when the command ends, 255 a stream close of
 * v5.channel.k8s.io). The WebSocket framing (RFC 6455) is written out here: no WebSocket server
 * library is a declared dependency of the repository (`ws` comes only through client-node).
 */

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const STATUS = 3;
export const CLOSE = 255;

export interface ExecRequest {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  stdin: boolean;
  protocol: string;
}

/**
 * Answers an upgrade to `exec` with `protocol` (the first the client offers that `accepted`
 * has), running the command in `dockerContainer`; records the request in `seen`.
 */
export function answerExec(
  req: http.IncomingMessage,
  socket: Duplex,
  url: URL,
  exec: Omit<ExecRequest, 'command' | 'stdin' | 'protocol'>,
  dockerContainer: string,
  accepted: string[],
  seen: ExecRequest[],
): void {
  const offered = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map(p => p.trim());
  const protocol = offered.find(p => accepted.includes(p));
  if (!protocol || req.headers.upgrade?.toLowerCase() !== 'websocket') {
    refuseUpgrade(socket, 400, `no protocol of ${offered.join(', ')} accepted`);
    return;
  }
  const command = url.searchParams.getAll('command');
  const stdin = url.searchParams.get('stdin') === 'true';
  seen.push({ ...exec, command, stdin, protocol });
  const accept = createHash('sha1')
    .update(`${req.headers['sec-websocket-key']}${GUID}`)
    .digest('base64');
  socket.write(
    [
      'HTTP/1.1 101 Switching Protocols',
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Accept: ${accept}`,
      `Sec-WebSocket-Protocol: ${protocol}`,
      '',
      '',
    ].join('\r\n'),
  );
  socket.on('error', () => {});

  const child = spawn(
    'docker',
    ['exec', ...(stdin ? ['-i'] : []), dockerContainer, ...command],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  child.stdin.on('error', () => {});
  if (!stdin) child.stdin.end();
  const send = (channel: number, data: Buffer) =>
    !socket.destroyed &&
    socket.write(frame(0x2, Buffer.concat([Buffer.of(channel), data])));
  child.stdout.on('data', (data: Buffer) => send(STDOUT, data));
  child.stderr.on('data', (data: Buffer) => send(STDERR, data));
  child.on('close', (code, signal) => {
    const status =
      code === 0
        ? { metadata: {}, status: 'Success' }
        : {
            metadata: {},
            status: 'Failure',
            message: `command terminated with non-zero exit code: exit code ${
              code ?? signal
            }`,
            reason: 'NonZeroExitCode',
            details: {
              causes: [{ reason: 'ExitCode', message: String(code ?? 137) }],
            },
          };
    send(STATUS, Buffer.from(JSON.stringify(status)));
    if (!socket.destroyed) {
      socket.write(frame(0x8, Buffer.of(0x03, 0xe8)));
      socket.end();
    }
  });

  // what the client sends: stdin (channel 0), a close of stdin (v5), a close of the session
  readFrames(socket, (opcode, payload) => {
    if (opcode === 0x8) {
      child.stdin.end();
      if (child.exitCode === null) child.kill();
      socket.end();
    } else if (opcode === 0x9) {
      socket.write(frame(0xa, payload));
    } else if ((opcode === 0x1 || opcode === 0x2) && payload.length > 0) {
      if (payload[0] === STDIN) child.stdin.write(payload.subarray(1));
      else if (payload[0] === CLOSE && payload[1] === STDIN) child.stdin.end();
    }
  });
  socket.on('close', () => {
    if (child.exitCode === null) child.kill();
  });
}

/** An HTTP refusal of the upgrade, with the API server's Status as its body. */
export function refuseUpgrade(socket: Duplex, code: number, message: string) {
  const body = JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    reason:
      ({ 403: 'Forbidden', 404: 'NotFound' } as Record<number, string>)[code] ??
      'BadRequest',
    message,
    code,
  });
  socket.end(
    [
      `HTTP/1.1 ${code} ${http.STATUS_CODES[code]}`,
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
      '',
      body,
    ].join('\r\n'),
  );
}

/** A server's frame: final, unmasked. */
function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  let header: Buffer;
  if (length < 126) {
    header = Buffer.of(0x80 | opcode, length);
  } else if (length < 65536) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([header, payload]);
}

/** The client's frames (masked), fragments joined, each handed over whole. */
function readFrames(
  socket: Duplex,
  onMessage: (opcode: number, payload: Buffer) => void,
) {
  let buffered = Buffer.alloc(0);
  let fragments: Buffer[] = [];
  let fragmentedOpcode = 0;
  socket.on('data', (data: Buffer) => {
    buffered = Buffer.concat([buffered, data]);
    for (;;) {
      if (buffered.length < 2) return;
      const fin = (buffered[0] & 0x80) !== 0;
      const opcode = buffered[0] & 0x0f;
      const masked = (buffered[1] & 0x80) !== 0;
      let length = buffered[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffered.length < 4) return;
        length = buffered.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffered.length < 10) return;
        length = Number(buffered.readBigUInt64BE(2));
        offset = 10;
      }
      const mask = masked ? buffered.subarray(offset, offset + 4) : undefined;
      if (masked) offset += 4;
      if (buffered.length < offset + length) return;
      const payload = Buffer.from(buffered.subarray(offset, offset + length));
      buffered = buffered.subarray(offset + length);
      if (mask) {
        for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
      }
      if (opcode >= 0x8) {
        onMessage(opcode, payload);
      } else if (!fin) {
        if (opcode !== 0) fragmentedOpcode = opcode;
        fragments.push(payload);
      } else if (opcode === 0) {
        onMessage(fragmentedOpcode, Buffer.concat([...fragments, payload]));
        fragments = [];
      } else {
        onMessage(opcode, payload);
      }
    }
  });
}
