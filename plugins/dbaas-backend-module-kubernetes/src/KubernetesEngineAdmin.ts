import {
  AdminRow,
  EngineAdmin,
  EngineSecrets,
  EngineSpec,
  ENGINE_LAYOUT,
  HostRef,
  mariadbCommand,
  parseMariadbRows,
  parsePsqlRows,
  psqlCommand,
  RuntimeFault,
  serverMessage,
} from '@dbaas/plugin-dbaas-node';
import { KubernetesClusters } from './KubernetesCluster';
import { runningPod } from './runningPod';

/**
 * The administrator's access to an instance's server through the pod exec API (the
 * container of `<name>-0`): the engine's client in the pod runs as the administrator over the
 * local socket with the password from the Secret's `admin-password`, which the StatefulSet
 * mounts at `/run/dbaas/admin-password`. The statement goes in on the exec's standard input,
 * never in the command (which the API server's audit log records) nor in a log or a fault.
 */
export class KubernetesEngineAdmin implements EngineAdmin {
  constructor(private readonly clusters: KubernetesClusters) {}

  async query(
    host: HostRef,
    spec: EngineSpec,
    _secrets: EngineSecrets,
    sql: string,
    options: { database?: string } = {},
  ): Promise<AdminRow[]> {
    const postgres = spec.flavor.engine === 'postgresql';
    const database = options.database ?? spec.database;
    const statement = Buffer.from(sql, 'utf8');
    const client = postgres
      ? psqlCommand('-', database)
      : mariadbCommand('-', database);
    // the client reads the statement's bytes (their count is no secret) and then end of input:
    // the exec's standard input stays open (see KubernetesCluster.exec)
    const output = await this.exec(
      host,
      spec,
      ['sh', '-c', 'head -c "$0" | "$@"', String(statement.length), ...client],
      statement,
    );
    if (output.exitCode !== 0) {
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
  }

  async usedBytes(host: HostRef, spec: EngineSpec): Promise<number> {
    const { dataPath } = ENGINE_LAYOUT[spec.flavor.engine];
    const output = await this.exec(host, spec, ['du', '-s', '-B1', dataPath]);
    const bytes = Number(output.stdout.split(/\s/)[0]);
    // du exits 1 when a file vanished while it counted (a WAL segment recycled): the sum stands
    if (!output.stdout.trim() || !Number.isFinite(bytes)) {
      throw new RuntimeFault(
        'ENGINE_UNAVAILABLE',
        `du in pod ${host.data.name}-0 failed (exit code ${
          output.exitCode
        }): ${output.stderr.trim()}`,
      );
    }
    return bytes;
  }

  /** Runs a command in the engine's container of the pod, once the pod is running. */
  private async exec(
    host: HostRef,
    spec: EngineSpec,
    command: string[],
    stdin?: Buffer,
  ) {
    const { cluster, pod } = await runningPod(this.clusters, host, spec);
    return cluster.exec(pod, command, stdin);
  }
}
