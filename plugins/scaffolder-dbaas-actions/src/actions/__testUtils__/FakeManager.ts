import crypto from 'crypto';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { ResponseError } from '@backstage/errors';
import {
  Backup,
  CreateInstanceRequest,
  Instance,
  InstanceEvent,
  MetricsSample,
  PendingOperationType,
} from '@dbaas/plugin-dbaas-common';
import { ApplyAt, ManagerApi, ManagerClientFactory } from '../../managerClient';

/** An in-memory stand-in for the Manager's API: each getInstance moves one state ahead. */
export class FakeManager implements ManagerClientFactory {
  readonly calls: { method: string; args: unknown[]; token?: string }[] = [];
  /** The states getInstance walks through, the last one repeating. */
  states: (Partial<Instance> | 'gone')[] = [];
  /** Other instances (e.g. a restore's source): read by id, listed by name, states untouched. */
  others: Instance[] = [];
  /** What listBackups answers, for any instance. */
  backups: Backup[] = [];
  /** What listEvents answers, for any instance. */
  events: InstanceEvent[] = [];
  /** What getMetrics answers, for any instance. */
  metrics: MetricsSample[] = [];
  /** When the operations the fake accepts were asked. */
  readonly requestedAt = '2026-11-26T10:00:00.000Z';
  /** When the next maintenance window opens, for operations asked with applyAt next-window. */
  readonly nextWindowAt = '2026-11-27T02:00:00.000Z';
  private reads = 0;

  base(request: Partial<CreateInstanceRequest> = {}): Instance {
    return {
      id: 'i-1',
      name: request.name ?? 'orders-db',
      owner: 'group:default/team-a',
      flavorId: 'postgresql-17-small',
      engine: 'postgresql',
      version: '17',
      storageGiB: 5,
      runtime: 'local',
      status: 'provisioning',
      health: 'unknown',
      phase: 'requested',
      host: null,
      endpoint: null,
      deletionProtection: false,
      fault: null,
      component: null,
      createdBy: 'user:default/alice',
      createdAt: '2026-11-26T00:00:00.000Z',
      updatedAt: '2026-11-26T00:00:00.000Z',
      readyAt: null,
      deletedAt: null,
    };
  }

  readonly api: Partial<ManagerApi> = {
    createInstance: async (request, options) => {
      this.record('createInstance', [request, options], options);
      return { ...this.base(request), id: options?.dryRun ? 'dry-run' : 'i-1' };
    },
    getInstance: async (id, options) => {
      this.record('getInstance', [id], options);
      const other = this.others.find(i => i.id === id);
      if (other) return other;
      // the instance the fake creates is i-1; no other id is known
      if (id !== 'i-1') throw await notFound(id);
      const state = this.states[Math.min(this.reads++, this.states.length - 1)];
      if (state === 'gone' || state === undefined) {
        throw await notFound(id);
      }
      return { ...this.base(), ...state };
    },
    listInstances: async (query, options) => {
      this.record('listInstances', [query], options);
      const statuses = query?.status ? [query.status].flat() : undefined;
      const items = this.others.filter(
        i =>
          (query?.name === undefined || i.name === query.name) &&
          (statuses ? statuses.includes(i.status) : i.status !== 'deleted'),
      );
      return { items, totalCount: items.length };
    },
    listBackups: async (id, options) => {
      this.record('listBackups', [id], options);
      return this.backups.filter(b => b.instanceId === id);
    },
    deployInstance: async (id, options) => {
      this.record('deployInstance', [id], options);
      return this.base();
    },
    stopInstance: async (id, options) => this.operate('stop', id, options),
    startInstance: async (id, options) => this.operate('start', id, options),
    restartInstance: async (id, options) =>
      this.operate('restart', id, options),
    upgradeInstance: async (id, options) =>
      this.operate('upgrade', id, options),
    rotateCredentials: async (id, options) => {
      this.record('rotateCredentials', [id, options?.idempotencyKey], options);
      return {
        ...this.base(),
        id,
        status: 'running',
        operation: {
          type: 'rotate-credentials',
          requestedBy: 'user:default/alice',
          requestedAt: this.requestedAt,
        },
      };
    },
    getMetrics: async (id, hours, options) => {
      this.record('getMetrics', [id, hours], options);
      return this.metrics;
    },
    listEvents: async (id, options) => {
      this.record('listEvents', [id], options);
      return this.events.filter(e => e.instanceId === id);
    },
    updateInstance: async (id, request, options) => {
      this.record('updateInstance', [id, request], options);
      const { applyAt, ...changes } = request;
      const background: Record<string, PendingOperationType> = {
        storageGiB: 'resize-storage',
        flavorId: 'change-flavor',
        parameters: 'set-parameters',
      };
      const type = Object.entries(background).find(
        ([field]) => (changes as Record<string, unknown>)[field] !== undefined,
      )?.[1];
      const operation = type && {
        type,
        requestedBy: 'user:default/alice',
        requestedAt: this.requestedAt,
      };
      // the background changes show once done; the settings at once
      const { storageGiB, flavorId, parameters, ...settings } = changes;
      return {
        ...this.base(),
        status: 'running',
        ...(settings as object),
        ...(operation && applyAt === 'next-window'
          ? {
              scheduledOperation: {
                operation,
                nextWindowAt: this.nextWindowAt,
              },
            }
          : { operation }),
      } as Instance;
    },
    createDatabaseUser: async (id, request, options) => {
      this.record(
        'createDatabaseUser',
        [id, request, options?.idempotencyKey],
        options,
      );
      return {
        instanceId: id,
        name: request.name,
        role: request.role,
        database: request.database ?? 'app',
        status: 'creating',
        createdBy: 'user:default/alice',
        createdAt: this.requestedAt,
      };
    },
    createDatabase: async (id, request, options) => {
      this.record(
        'createDatabase',
        [id, request, options?.idempotencyKey],
        options,
      );
      return {
        instanceId: id,
        name: request.name,
        application: false,
        status: 'creating',
        createdBy: 'user:default/alice',
        createdAt: this.requestedAt,
      };
    },
    deleteInstance: async (id, options) => {
      this.record('deleteInstance', [id], options);
      return { ...this.base(), status: 'deleting' };
    },
  };

  async forCredentials(credentials: unknown) {
    const user = (credentials as { principal?: { userEntityRef?: string } })
      .principal?.userEntityRef;
    if (user !== 'user:default/alice') {
      throw new Error(`expected the task initiator's credentials, got ${user}`);
    }
    return { api: this.api as ManagerApi, token: 'token-for-alice' };
  }

  /** Accepts any operation: the instance answered carries it as pending. */
  private async operate(
    type: PendingOperationType,
    id: string,
    options?: { token?: string; idempotencyKey?: string; applyAt?: ApplyAt },
  ): Promise<Instance> {
    this.record(
      `${type}Instance`,
      [
        id,
        options?.idempotencyKey,
        ...(options?.applyAt ? [options.applyAt] : []),
      ],
      options,
    );
    const operation = {
      type,
      requestedBy: 'user:default/alice',
      requestedAt: this.requestedAt,
    };
    return {
      ...this.base(),
      id,
      status: type === 'start' ? 'stopped' : 'running',
      ...(options?.applyAt === 'next-window'
        ? { scheduledOperation: { operation, nextWindowAt: this.nextWindowAt } }
        : { operation }),
    };
  }

  private record(
    method: string,
    args: unknown[],
    options?: { token?: string },
  ) {
    this.calls.push({ method, args, token: options?.token });
  }

  called(method: string) {
    return this.calls.filter(c => c.method === method);
  }
}

function notFound(id: string) {
  return ResponseError.fromResponse(
    new Response(
      JSON.stringify({
        error: {
          name: 'NotFoundError',
          message: `No database instance with id ${id}`,
        },
        response: { statusCode: 404 },
      }),
      { status: 404, headers: { 'Content-Type': 'application/json' } },
    ),
  );
}

/** A mock action context as alice, with a jest logger; other fields override the defaults. */
export function mockContext<T extends Record<string, any>>(
  input: T,
  overrides: Record<string, unknown> = {},
) {
  const logger = mockServices.logger.mock();
  return {
    ...createMockActionContext({ input, logger }),
    logger,
    getInitiatorCredentials: async () =>
      mockCredentials.user('user:default/alice'),
    // each context its own task, as each scaffolder task has (the create's Idempotency-Key)
    task: { id: crypto.randomUUID() },
    ...overrides,
  } as ReturnType<typeof createMockActionContext<T>> & {
    logger: typeof logger;
  };
}
