import { Endpoint } from '@dbaas/plugin-dbaas-common';
import {
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
