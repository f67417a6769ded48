import fs from 'fs/promises';
import path from 'path';
import { LocalHost } from './LocalServer';
import { chownTo, RunAs } from './processes';

/** A value as a quoted postgresql.conf string. */
export function confString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** A word for `sh`, whatever it holds. */
export function shellWord(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Writes one of the runtime's own settings files into the data directory and includes it from
 * postgresql.conf (once); a missing file is skipped by the server.
 */
export async function writeIncludedConf(
  data: string,
  name: string,
  lines: string[],
  runAs: RunAs,
) {
  const file = path.join(data, name);
  await fs.writeFile(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  await chownTo(file, runAs);
  const include = `include_if_exists = '${name}'`;
  const conf = path.join(data, 'postgresql.conf');
  if (!(await fs.readFile(conf, 'utf8')).split('\n').includes(include)) {
    await fs.appendFile(conf, `\n${include}\n`);
  }
}

const SETTINGS_MARKER = '# Set by the DBaaS local runtime';

/** The runtime's block in postgresql.conf: where the server listens and its memory. */
export function serverSettings(host: LocalHost, memoryMiB: number) {
  const sharedBuffers = Math.max(32, Math.floor(memoryMiB / 4));
  return [
    '',
    SETTINGS_MARKER,
    `port = ${host.port}`,
    `listen_addresses = '${host.host}'`,
    "unix_socket_directories = ''",
    `shared_buffers = ${sharedBuffers}MB`,
    `effective_cache_size = ${Math.max(64, Math.floor((memoryMiB * 3) / 4))}MB`,
    "password_encryption = 'scram-sha-256'",
    '',
  ].join('\n');
}

/** postgresql.conf with the runtime's block replaced (a restored server listens on its own port). */
export function replaceServerSettings(conf: string, settings: string): string {
  const start = conf.indexOf(`\n${SETTINGS_MARKER}\n`);
  if (start < 0) return conf + settings;
  const end = conf.indexOf('\n\n', start + 1);
  return conf.slice(0, start) + settings + (end < 0 ? '' : conf.slice(end + 1));
}
