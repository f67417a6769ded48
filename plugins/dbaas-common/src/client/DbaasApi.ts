import { Backup, RecoveryWindow } from '../schemas/backup';
import {
  CreateDatabaseRequest,
  CreateDatabaseUserRequest,
  Database,
  DatabaseUser,
} from '../schemas/databaseObjects';
import { Flavor } from '../schemas/flavor';
import {
  CreateInstanceRequest,
  Credentials,
  Instance,
  InstanceEvent,
  ListInstancesQuery,
  ListInstancesResponse,
  ListRuntimesResponse,
  Principal,
  LeakReport,
  MetricsResponse,
  MetricsSample,
  ResealReport,
  UpdateInstanceRequest,
} from '../schemas/instance';

/** Options every call accepts; `token` is a Backstage token sent as a bearer token. */
export interface DbaasRequestOptions {
  token?: string;
  /**
   * Sent as `Idempotency-Key` on a POST: a retry with the same key and request gets the first
   * answer again instead of doing the work twice.
   */
  idempotencyKey?: string;
}

/**
 * When an operation that may wait for the instance's maintenance window runs: `next-window`
 * leaves it in `instance.scheduledOperation` until the window opens (409 without a window, or
 * with an operation waiting already).
 */
export type ApplyAt = 'immediately' | 'next-window';

/** The DBaaS Manager's REST API, as the frontend, the scaffolder actions and the CLI use it. */
export interface DbaasApi {
  /** Who the token belongs to. */
  whoami(options?: DbaasRequestOptions): Promise<Principal>;
  listFlavors(options?: DbaasRequestOptions): Promise<Flavor[]>;
  /** The configured runtimes, which flavors each can serve, and the default. */
  listRuntimes(options?: DbaasRequestOptions): Promise<ListRuntimesResponse>;
  /** With `dryRun`, validates everything (permission and quota too) and creates nothing. */
  createInstance(
    request: CreateInstanceRequest,
    options?: DbaasRequestOptions & { dryRun?: boolean },
  ): Promise<Instance>;
  /** Continues an instance held at its host (created with `holdAtHost`). */
  deployInstance(id: string, options?: DbaasRequestOptions): Promise<Instance>;
  /**
   * Stops a running database; the data stays (needs `dbaas.instance.operate`). Answered at once
   * with the instance carrying the pending `operation`; it ends `stopped` once that is cleared.
   * 409 when the instance is not running or another operation is under way.
   */
  stopInstance(id: string, options?: DbaasRequestOptions): Promise<Instance>;
  /** Starts a stopped database on the same data; it ends `running`. 409 as for stopInstance. */
  startInstance(id: string, options?: DbaasRequestOptions): Promise<Instance>;
  /**
   * Stops and starts a running database on the same data; it ends `running`. With `applyAt:
   * 'next-window'` it waits for the maintenance window instead (`instance.scheduledOperation`).
   */
  restartInstance(
    id: string,
    options?: DbaasRequestOptions & { applyAt?: ApplyAt },
  ): Promise<Instance>;
  /**
   * Sets a new password for the application user (needs `dbaas.instance.operate`). Answered at
   * once with the instance carrying the pending `rotate-credentials` operation; once it is cleared,
   * getCredentials has the new password. 409 as for stopInstance.
   */
  rotateCredentials(
    id: string,
    options?: DbaasRequestOptions,
  ): Promise<Instance>;
  /**
   * Moves the server to its flavor's current image on the same data (needs
   * `dbaas.instance.operate`), answered at once with the pending `upgrade` operation. 409 when it
   * runs that image already or another operation is under way. `applyAt` as for restartInstance.
   */
  upgradeInstance(
    id: string,
    options?: DbaasRequestOptions & { applyAt?: ApplyAt },
  ): Promise<Instance>;
  /** Cancels the operation waiting for the maintenance window; 409 when none is. */
  cancelScheduledOperation(
    id: string,
    options?: DbaasRequestOptions,
  ): Promise<Instance>;
  listInstances(
    query?: ListInstancesQuery,
    options?: DbaasRequestOptions,
  ): Promise<ListInstancesResponse>;
  getInstance(id: string, options?: DbaasRequestOptions): Promise<Instance>;
  updateInstance(
    id: string,
    request: UpdateInstanceRequest,
    options?: DbaasRequestOptions,
  ): Promise<Instance>;
  /** Deletes after a final backup where the runtime backs up, unless `skipFinalBackup`. */
  deleteInstance(
    id: string,
    options?: DbaasRequestOptions & { skipFinalBackup?: boolean },
  ): Promise<Instance>;
  listEvents(
    id: string,
    options?: DbaasRequestOptions,
  ): Promise<InstanceEvent[]>;
  /** The server's last `tail` log lines. */
  getLogs(
    id: string,
    tail?: number,
    options?: DbaasRequestOptions,
  ): Promise<string>;
  getCredentials(
    id: string,
    options?: DbaasRequestOptions,
  ): Promise<Credentials>;
  /**
   * The samples of the last `hours` (1 to 24, the Manager's default when left out), oldest first:
   * one per health reconcile while the database runs and is healthy.
   */
  getMetrics(
    id: string,
    hours?: number,
    options?: DbaasRequestOptions,
  ): Promise<MetricsSample[]>;
  /** As getMetrics, with the instance's last fault in its timeline (`lastError`, or null). */
  getMetricsReport(
    id: string,
    hours?: number,
    options?: DbaasRequestOptions,
  ): Promise<MetricsResponse>;
  /** The CA certificate (PEM) clients verify the instance's server with. */
  getCaCertificate(id: string, options?: DbaasRequestOptions): Promise<string>;
  /** Seals every stored secret under the newest key (needs `dbaas.admin`). */
  resealSecrets(options?: DbaasRequestOptions): Promise<ResealReport>;
  /** Failed creates whose server or host could not be removed yet (needs `dbaas.admin`). */
  listLeaks(options?: DbaasRequestOptions): Promise<LeakReport[]>;
  /** Starts a full backup of a running instance (answered `running`; poll getBackup). */
  createBackup(id: string, options?: DbaasRequestOptions): Promise<Backup>;
  /** The instance's backups, newest first (a deleted instance's too, while they are kept). */
  listBackups(id: string, options?: DbaasRequestOptions): Promise<Backup[]>;
  getBackup(backupId: string, options?: DbaasRequestOptions): Promise<Backup>;
  deleteBackup(backupId: string, options?: DbaasRequestOptions): Promise<void>;
  /** The moments the instance can be restored to (`restoreFrom: { instanceId, pointInTime }`). */
  getRecoveryWindow(
    id: string,
    options?: DbaasRequestOptions,
  ): Promise<RecoveryWindow>;
  /** The users made on the instance's server besides its application user. */
  listDatabaseUsers(
    id: string,
    options?: DbaasRequestOptions,
  ): Promise<DatabaseUser[]>;
  /**
   * Makes a user in the background (the instance carries the `create-user` operation): answered
   * `creating`. 409 while another operation is under way, 400 naming the field at fault.
   */
  createDatabaseUser(
    id: string,
    request: CreateDatabaseUserRequest,
    options?: DbaasRequestOptions,
  ): Promise<DatabaseUser>;
  /** Removes a user (its sessions end) in the background: answered `deleting`. */
  deleteDatabaseUser(
    id: string,
    userName: string,
    options?: DbaasRequestOptions,
  ): Promise<DatabaseUser>;
  /** A user's password and connection URI (needs `dbaas.instance.credentials.read`; audited). */
  getDatabaseUserCredentials(
    id: string,
    userName: string,
    options?: DbaasRequestOptions,
  ): Promise<Credentials>;
  /** The databases on the instance's server, the application database first. */
  listDatabases(id: string, options?: DbaasRequestOptions): Promise<Database[]>;
  /** Makes another database, owned by the application user, in the background. */
  createDatabase(
    id: string,
    request: CreateDatabaseRequest,
    options?: DbaasRequestOptions,
  ): Promise<Database>;
  /**
   * Drops a database with its data in the background; 409 for the application database or one
   * a user still uses.
   */
  deleteDatabase(
    id: string,
    databaseName: string,
    options?: DbaasRequestOptions,
  ): Promise<Database>;
}
