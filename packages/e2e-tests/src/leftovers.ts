import { execFile } from 'child_process';
import fs from 'fs';
import net from 'net';

/**
 * What tests leave on this machine, for their afterAll checks: processes, Docker
 * containers and volumes of theirs, and listening ports. Each returns a description of
 * every leftover it finds (empty: nothing left), so an assertion shows what remains.
 */

/** Processes (other than this one) whose command line names `path`, e.g. a database server run from a data folder. */
export function processesUsing(path: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter(p => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = fs
        .readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        .replace(/\0/g, ' ')
        .trim();
    } catch {
      continue; // ended meanwhile
    }
    if (cmdline.includes(path)) found.push(`pid ${pid}: ${cmdline}`);
  }
  return found;
}

/** True when nothing listens on the port (it can be bound on 127.0.0.1 again). */
export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise(resolve => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** The ports of these that something still listens on, e.g. the portal's 3000 and 7007. */
export async function listeningPorts(ports: number[]): Promise<number[]> {
  const listening: number[] = [];
  for (const port of ports) {
    const open = await new Promise<boolean>(resolve => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) listening.push(port);
  }
  return listening;
}

/**
 * Docker containers and volumes labelled for one of these instance ids
 * (the Manager labels its own with `dbaas.backstage.io/instance-id`); empty where Docker is absent.
 */
export async function dockerObjectsOf(
  instanceIds: string[],
): Promise<string[]> {
  const found: string[] = [];
  for (const id of instanceIds) {
    const filter = `label=dbaas.backstage.io/instance-id=${id}`;
    for (const [kind, args] of [
      ['container', ['ps', '-a', '--filter', filter, '--format', '{{.Names}}']],
      ['volume', ['volume', 'ls', '--filter', filter, '--format', '{{.Name}}']],
    ] as const) {
      const names = await docker([...args]);
      found.push(...names.map(name => `${kind} ${name} of instance ${id}`));
    }
  }
  return found;
}

function docker(args: string[]): Promise<string[]> {
  return new Promise(resolve => {
    execFile('docker', args, (error, stdout) =>
      resolve(error ? [] : stdout.split('\n').filter(Boolean)),
    );
  });
}
