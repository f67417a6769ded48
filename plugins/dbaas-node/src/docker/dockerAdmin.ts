import { randomUUID } from 'crypto';
import {
  containerName,
  ENGINE_LAYOUT,
  IMAGE_UID,
  SECRETS_DIR,
} from '../imageContract';
import {
  AdminRow,
  EngineAdmin,
  EngineSecrets,
  EngineSpec,
  HostRef,
  RuntimeFault,
} from '../runtime';
import { tarFiles } from '../tarFiles';
import type { DockerEngineRuntime } from './DockerEngineRuntime';
import { execIn } from './dockerExec';

const SQL_DIR = '/tmp';
const FIELD = '\u001f';
const RECORD = '\u001e';

/**
 * The administrator's access to a container's server: the statement goes in as a file
 * through Docker's archive API (never on a command line, which `docker events` shows) and the
 * engine's client in the container runs it as the administrator over the local socket, with
 * the password from the secret file the container already holds.
 */
export class DockerEngineAdmin implements EngineAdmin {
  constructor(private readonly runtime: DockerEngineRuntime) {}

  async query(
    host: HostRef,
    spec: EngineSpec,
    _secrets: EngineSecrets,
    sql: string,
    options: { database?: string } = {},
  ): Promise<AdminRow[]> {
    const container = await this.runningContainer(host, spec);
    const file = `dbaas-admin-${randomUUID()}.sql`;
    await container.putArchive(
      tarFiles([
        {
          name: file,
          content: sql,
          mode: 0o600,
          uid: IMAGE_UID,
          gid: IMAGE_UID,
        },
      ]),
      { path: SQL_DIR },
    );
    const path = `${SQL_DIR}/${file}`;
    try {
      const postgres = spec.flavor.engine === 'postgresql';
      const output = await execIn(
        container,
        postgres
          ? psqlCommand(path, options.database ?? spec.database)
          : mariadbCommand(path, options.database ?? spec.database),
      );
      if (output.exitCode !== 0) {
        // the engine's message names the statement's problem, never its text
        throw new RuntimeFault(
          'INTERNAL',
          `the ${
            spec.flavor.engine
          } server refused an admin statement: ${output.stderr
            .trim()
            .split('\n')
            .slice(-2)
            .join(' | ')}`,
        );
      }
      return postgres
        ? parsePsqlRows(output.stdout)
        : parseMariadbRows(output.stdout);
    } finally {
      await execIn(container, ['rm', '-f', path]).catch(() => {});
    }
  }

  async usedBytes(host: HostRef, spec: EngineSpec): Promise<number> {
    const container = await this.runningContainer(host, spec);
    const { dataPath } = ENGINE_LAYOUT[spec.flavor.engine];
    const output = await execIn(container, ['du', '-s', '-B1', dataPath]);
    const bytes = Number(output.stdout.split(/\s/)[0]);
    if (output.exitCode !== 0 && !Number.isFinite(bytes)) {
      throw new Error(
        `du in ${containerName(
          spec.instanceId,
        )} failed: ${output.stderr.trim()}`,
      );
    }
    return bytes;
  }

  private async runningContainer(host: HostRef, spec: EngineSpec) {
    const info = await this.runtime.inspect(host, spec.instanceId);
    if (!info?.State.Running) {
      throw new RuntimeFault(
        'ENGINE_UNAVAILABLE',
        `container ${containerName(spec.instanceId)} is not running`,
      );
    }
    return this.runtime.container(host, spec.instanceId);
  }
}

/** Shell that puts the container's admin password in the client's variable, never in argv. */
const passwordFromFile = (variable: string) =>
  `${variable}="$(cat ${SECRETS_DIR}/admin-password)"; export ${variable}`;

function psqlCommand(file: string, database: string): string[] {
  return [
    'sh',
    '-c',
    `${passwordFromFile('PGPASSWORD')}; exec "$@"`,
    'sh',
    'psql',
    '-X',
    '-q',
    '-A',
    '-t',
    '-v',
    'ON_ERROR_STOP=1',
    '-F',
    FIELD,
    '-R',
    RECORD,
    '-P',
    'null=\\N',
    '-h',
    '/run/postgresql',
    '-U',
    'postgres',
    '-d',
    database,
    '-f',
    file,
  ];
}

function mariadbCommand(file: string, database: string): string[] {
  return [
    'sh',
    '-c',
    `${passwordFromFile('MYSQL_PWD')}; exec "$@" < "$0"`,
    file,
    'mariadb',
    '--socket=/run/mysqld/mysqld.sock',
    '--user=root',
    '--batch',
    '--skip-column-names',
    `--database=${database}`,
  ];
}

/** psql's unaligned output with our separators; `\N` stands for NULL. */
export function parsePsqlRows(stdout: string): AdminRow[] {
  const text = stdout.replace(/\n$/, '');
  if (!text) return [];
  return text
    .split(RECORD)
    .map(record => record.replace(/^\n/, ''))
    .filter(record => record !== '')
    .map(record =>
      record.split(FIELD).map(value => (value === '\\N' ? null : value)),
    );
}

const UNESCAPED: Record<string, string> = { n: '\n', t: '\t', '0': '\0' };

/** mariadb --batch output: tab-separated with backslash escapes, NULL as `NULL`. */
export function parseMariadbRows(stdout: string): AdminRow[] {
  return stdout
    .split('\n')
    .filter(line => line !== '')
    .map(line =>
      line
        .split('\t')
        .map(value =>
          value === 'NULL'
            ? null
            : value.replace(/\\(.)/g, (_, c: string) => UNESCAPED[c] ?? c),
        ),
    );
}
