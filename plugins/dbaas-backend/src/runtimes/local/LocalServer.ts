import { Endpoint } from '@dbaas/plugin-dbaas-common';
import {
  AdminRow,
  ArchivedWalFile,
  BaseBackup,
  EngineHealth,
  EngineSecrets,
  EngineSpec,
  RestoreRequest,
  RestoreResult,
} from '@dbaas/plugin-dbaas-node';

/** Where one instance's server lives on this machine. */
export interface LocalHost {
  dir: string;
  host: string;
  port: number;
}

/** One engine's server as a local process; every method is idempotent. */
export interface LocalServer {
  /** Creates the data directory with the admin password, unless it exists. */
  initialize(
    host: LocalHost,
    spec: EngineSpec,
    secrets: EngineSecrets,
  ): Promise<void>;
  /**
   * Starts the server unless it runs, and waits until it accepts connections; it serves
   * TLS with `secrets.tls`.
   */
  start(
    host: LocalHost,
    spec: EngineSpec,
    secrets: EngineSecrets,
  ): Promise<void>;
  /**
   * True when ensureApplicationDatabase connects as clients do (TCP, TLS), so that its
   * success shows the server answers them; otherwise deploy checks health after it.
   */
  readonly setUpOverClientPath?: boolean;
  /** Creates the application database and user, or brings them in line. */
  ensureApplicationDatabase(
    host: LocalHost,
    spec: EngineSpec,
    secrets: EngineSecrets,
  ): Promise<Endpoint>;
  health(
    host: LocalHost,
    spec: EngineSpec,
    secrets: EngineSecrets,
  ): Promise<EngineHealth>;
  /** The server's pid, when it runs. */
  runningPid(host: LocalHost): Promise<number | undefined>;
  stop(host: LocalHost): Promise<void>;
  /** Runs one statement as the administrator (see EngineAdmin.query). */
  adminQuery(
    host: LocalHost,
    secrets: EngineSecrets,
    sql: string,
    database: string,
  ): Promise<AdminRow[]>;
  /** Where the engine's servers can be backed up (see EngineBackups). */
  backups?: LocalBackups;
}

export interface LocalBackups {
  baseBackup(
    host: LocalHost,
    secrets: EngineSecrets,
    signal: AbortSignal,
  ): Promise<BaseBackup>;
  archivedWal(host: LocalHost): Promise<ArchivedWalFile[]>;
  closeLog(host: LocalHost, secrets: EngineSecrets): Promise<void>;
  restore(
    host: LocalHost,
    spec: EngineSpec,
    secrets: EngineSecrets,
    request: RestoreRequest,
    signal: AbortSignal,
  ): Promise<RestoreResult>;
}

/** The endpoint of a local server: the application database and user on its port. */
export function localEndpoint(host: LocalHost, spec: EngineSpec): Endpoint {
  return {
    host: host.host,
    port: host.port,
    database: spec.database,
    user: spec.username,
  };
}

/** Health of a server whose process is gone: `start` brings it back. */
export function notRunning(engineName: string): EngineHealth {
  return {
    state: 'unhealthy',
    message: `the ${engineName} server process is not running`,
    reason: 'stopped',
  };
}

/** SQL values as the text an admin query returns them as (see AdminRow). */
export function asAdminRow(values: unknown[]): AdminRow {
  return values.map(value => {
    if (value === null || value === undefined) return null;
    if (value instanceof Date) return value.toISOString();
    if (Buffer.isBuffer(value)) return value.toString('utf8');
    return String(value);
  });
}
