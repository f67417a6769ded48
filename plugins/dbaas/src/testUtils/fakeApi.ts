import { ResponseError } from '@backstage/errors';
import {
  Backup,
  Database,
  DatabaseUser,
  DbaasApi,
  Flavor,
  Instance,
  InstanceStorage,
  LeakReport,
  MetricsSample,
} from '@dbaas/plugin-dbaas-common';

export const flavors: Flavor[] = [
  {
    id: 'postgresql-17-small',
    title: 'PostgreSQL 17 (small)',
    engine: 'postgresql',
    version: '17',
    image: 'dbaas/postgresql:17',
    cpu: 1,
    memoryMiB: 1024,
    storageGiB: { min: 1, max: 50, default: 5 },
  },
  {
    id: 'mariadb-10-11-small',
    engine: 'mariadb',
    version: '10.11',
    image: 'dbaas/mariadb:10.11',
    cpu: 2,
    memoryMiB: 2048,
    storageGiB: { min: 2, max: 100, default: 10 },
  },
];

export function instance(overrides: Partial<Instance> = {}): Instance {
  return {
    id: 'i-1',
    name: 'orders-db',
    owner: 'group:default/team-a',
    flavorId: 'postgresql-17-small',
    engine: 'postgresql',
    version: '17',
    storageGiB: 5,
    runtime: 'local',
    status: 'running',
    health: 'healthy',
    phase: null,
    host: '127.0.0.1',
    endpoint: {
      host: '127.0.0.1',
      port: 5433,
      database: 'orders_db',
      user: 'orders_db_app',
    },
    deletionProtection: false,
    fault: null,
    component: null,
    createdBy: 'user:default/alice',
    createdAt: new Date(Date.now() - 3600_000).toISOString(),
    updatedAt: new Date().toISOString(),
    readyAt: new Date().toISOString(),
    deletedAt: null,
    ...overrides,
  };
}

/** What the Manager measured of an instance's storage: 0.9 of 2 GiB by default. */
export function storage(
  overrides: Partial<InstanceStorage> = {},
): InstanceStorage {
  return {
    autoGrow: false,
    maxGiB: null,
    usedBytes: 0.9 * 1024 ** 3,
    usedPercent: 45,
    measuredAt: new Date().toISOString(),
    state: 'ok',
    readOnly: false,
    ...overrides,
  };
}

/** A database on the instance's server: the application one unless overridden. */
export function database(overrides: Partial<Database> = {}): Database {
  return {
    instanceId: 'i-1',
    name: 'orders_db',
    application: true,
    status: 'ready',
    createdBy: 'user:default/alice',
    createdAt: new Date(Date.now() - 3600_000).toISOString(),
    ...overrides,
  };
}

/** A user made on the instance's server: reader, readonly on the application database. */
export function databaseUser(
  overrides: Partial<DatabaseUser> = {},
): DatabaseUser {
  return {
    instanceId: 'i-1',
    name: 'reader',
    role: 'readonly',
    database: 'orders_db',
    status: 'ready',
    createdBy: 'user:default/alice',
    createdAt: new Date(Date.now() - 1800_000).toISOString(),
    ...overrides,
  };
}

export function leak(overrides: Partial<LeakReport> = {}): LeakReport {
  return {
    id: 'i-9',
    name: 'billing-db',
    owner: 'group:default/team-b',
    runtime: 'ec2',
    host: '10.0.4.12',
    failedAt: new Date(Date.now() - 2 * 3600_000).toISOString(),
    fault: {
      phase: 'host_provisioning',
      code: 'HOST_UNAVAILABLE',
      message: 'the host did not come up',
    },
    attempts: 3,
    lastError: 'TerminateInstances i-0a1b2c3d4e5f: RequestLimitExceeded',
    ...overrides,
  };
}

export function backup(overrides: Partial<Backup> = {}): Backup {
  return {
    id: 'b-1',
    instanceId: 'i-1',
    kind: 'full',
    trigger: 'manual',
    status: 'completed',
    size: 5 * 1024 * 1024,
    sha256: 'ab'.repeat(32),
    startedAt: new Date(Date.now() - 2 * 3600_000).toISOString(),
    completedAt: new Date(Date.now() - 2 * 3600_000 + 60_000).toISOString(),
    restorableFrom: '2026-03-01T10:00:00.000Z',
    requestedBy: 'user:default/alice',
    fault: null,
    ...overrides,
  };
}

/** A metrics sample taken `minutesAgo` minutes ago. */
export function metricsSample(
  minutesAgo: number,
  overrides: Partial<MetricsSample> = {},
): MetricsSample {
  return {
    at: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
    connections: 2,
    sizeBytes: 8 * 1024 * 1024,
    transactionsPerSecond: 1.5,
    uptimeSeconds: 3600,
    ...overrides,
  };
}

/** What the Manager answers a caller without the permission: a 403 as the client throws it. */
export function forbidden(): Promise<ResponseError> {
  return ResponseError.fromResponse(
    new Response(
      JSON.stringify({
        error: { name: 'NotAllowedError', message: 'Unauthorized' },
      }),
      { status: 403, headers: { 'Content-Type': 'application/json' } },
    ),
  );
}

export const CA_PEM =
  '-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n';

/** A DbaasApi whose methods are jest mocks with sensible answers. */
export function fakeApi(
  overrides: Partial<DbaasApi> = {},
): jest.Mocked<DbaasApi> {
  const api = {
    listFlavors: jest.fn(async () => flavors),
    listRuntimes: jest.fn(async () => ({
      defaultRuntime: 'local' as const,
      items: [{ name: 'local' as const, flavorIds: flavors.map(f => f.id) }],
    })),
    createInstance: jest.fn(),
    deployInstance: jest.fn(),
    stopInstance: jest.fn(async () =>
      instance({
        operation: {
          type: 'stop',
          requestedBy: 'user:default/alice',
          requestedAt: new Date().toISOString(),
        },
      }),
    ),
    startInstance: jest.fn(async () =>
      instance({
        status: 'stopped',
        health: 'unknown',
        operation: {
          type: 'start',
          requestedBy: 'user:default/alice',
          requestedAt: new Date().toISOString(),
        },
      }),
    ),
    restartInstance: jest.fn(async () =>
      instance({
        operation: {
          type: 'restart',
          requestedBy: 'user:default/alice',
          requestedAt: new Date().toISOString(),
        },
      }),
    ),
    rotateCredentials: jest.fn(async () =>
      instance({
        operation: {
          type: 'rotate-credentials',
          requestedBy: 'user:default/alice',
          requestedAt: new Date().toISOString(),
        },
      }),
    ),
    listInstances: jest.fn(async () => ({
      items: [instance()],
      totalCount: 1,
    })),
    getInstance: jest.fn(async () => instance()),
    updateInstance: jest.fn(async (_id, patch) =>
      instance(patch as Parameters<typeof instance>[0]),
    ),
    deleteInstance: jest.fn(async () => instance({ status: 'deleting' })),
    listEvents: jest.fn(async () => [
      {
        id: 1,
        instanceId: 'i-1',
        at: new Date().toISOString(),
        type: 'created' as const,
        message: 'requested by user:default/alice',
        actor: 'user:default/alice',
        data: null,
      },
    ]),
    getCredentials: jest.fn(async () => ({
      host: '127.0.0.1',
      port: 5433,
      database: 'orders_db',
      username: 'orders_db_app',
      password: 's3cret-s3cret-s3cret-s3cret',
      uri: 'postgresql://orders_db_app:s3cret@127.0.0.1:5433/orders_db?sslmode=verify-full',
      ca: CA_PEM,
    })),
    getCaCertificate: jest.fn(async () => CA_PEM),
    getLogs: jest.fn(
      async () =>
        '2026-03-02 10:00:00 UTC LOG:  database system is ready to accept connections\n',
    ),
    cancelScheduledOperation: jest.fn(async () =>
      instance({
        maintenanceWindow: { day: 'sunday', hour: 3, durationHours: 2 },
        scheduledOperation: null,
      }),
    ),
    // the samples getMetrics answers (overridden or not), with no error
    getMetricsReport: jest.fn(
      async (...args: Parameters<DbaasApi['getMetrics']>) => ({
        items: await api.getMetrics(...args),
        lastError: null,
      }),
    ),
    getMetrics: jest.fn(defaultMetrics),
    // a user who is no platform admin, as most are
    listLeaks: jest.fn(async () => {
      throw await forbidden();
    }),
    createBackup: jest.fn(async () =>
      backup({
        id: 'b-new',
        status: 'running',
        size: null,
        restorableFrom: null,
      }),
    ),
    listBackups: jest.fn(async () => [backup()]),
    getBackup: jest.fn(async () => backup()),
    deleteBackup: jest.fn(async () => undefined),
    upgradeInstance: jest.fn(async () =>
      instance({
        operation: {
          type: 'upgrade',
          requestedBy: 'user:default/alice',
          requestedAt: new Date().toISOString(),
        },
      }),
    ),
    listDatabases: jest.fn(async () => [
      database(),
      database({ name: 'reporting', application: false }),
    ]),
    createDatabase: jest.fn(async (_id, request) =>
      database({ name: request.name, application: false, status: 'creating' }),
    ),
    deleteDatabase: jest.fn(async (_id, name) =>
      database({ name, application: false, status: 'deleting' }),
    ),
    listDatabaseUsers: jest.fn(async () => [databaseUser()]),
    createDatabaseUser: jest.fn(async (_id, request) =>
      databaseUser({ ...request, status: 'creating' }),
    ),
    deleteDatabaseUser: jest.fn(async (_id, name) =>
      databaseUser({ name, status: 'deleting' }),
    ),
    getDatabaseUserCredentials: jest.fn(async (_id, name) => ({
      host: '127.0.0.1',
      port: 5433,
      database: 'orders_db',
      username: name,
      password: 'r3ader-pass-r3ader-pass',
      uri: `postgresql://${name}:r3ader-pass-r3ader-pass@127.0.0.1:5433/orders_db?sslmode=verify-full`,
      ca: CA_PEM,
    })),
    getRecoveryWindow: jest.fn(async () => ({
      earliest: '2026-03-01T10:00:00.000Z',
      latest: '2026-03-02T10:00:00.000Z',
    })),
    ...overrides,
  } as jest.Mocked<DbaasApi>;
  return api;
}

/** Three samples of the last 20 minutes. */
async function defaultMetrics(): Promise<MetricsSample[]> {
  return [
    metricsSample(20, {
      connections: 1,
      sizeBytes: 7 * 1024 * 1024,
      usedBytes: 30 * 1024 * 1024,
      transactionsPerSecond: null,
      uptimeSeconds: 2400,
    }),
    metricsSample(10, {
      connections: 5,
      sizeBytes: 9 * 1024 * 1024,
      usedBytes: 40 * 1024 * 1024,
      transactionsPerSecond: 4.25,
      uptimeSeconds: 3000,
    }),
    metricsSample(0, {
      connections: 3,
      sizeBytes: 12 * 1024 * 1024,
      usedBytes: 50 * 1024 * 1024,
      transactionsPerSecond: 2.5,
      uptimeSeconds: 3600,
    }),
  ];
}
