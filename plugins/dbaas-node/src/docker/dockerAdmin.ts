import { randomUUID } from 'crypto';
import { containerName, ENGINE_LAYOUT, IMAGE_UID } from '../imageContract';
import {
  mariadbCommand,
  parseMariadbRows,
  parsePsqlRows,
  psqlCommand,
  serverMessage,
} from '../adminCommands';
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
          } server refused an admin statement: ${serverMessage(
            output.stderr,
            sql,
          )}`,
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
