import { BackstageCredentials } from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  CreateInstanceRequest,
  Credentials,
  dbaasInstanceDeletePermission,
  dbaasInstanceReadPermission,
  dbaasInstanceUpdatePermission,
  Flavor,
  Instance,
  InstanceEvent,
  ListInstancesResponse,
  ListRuntimesResponse,
  MetricsResponse,
  MaintenanceWindow,
  OperationType,
  PendingOperation,
  UpdateInstanceRequest,
  dbaasInstanceOperatePermission,
} from '@dbaas/plugin-dbaas-common';
import { DbaasConfig } from '../config/readDbaasConfig';
import { SecretBox } from '../crypto/SecretBox';
import { InstanceNotifier } from '../lifecycle/InstanceNotifier';
import { LifecycleController } from '../lifecycle/LifecycleController';
import { RuntimeRegistry } from '../runtimes';
import {
  InstanceStore,
  LIVE_STATUSES,
  StaleInstanceError,
  StoredInstance,
  toPublicInstance,
} from '../store/InstanceStore';
import { isDeepStrictEqual } from 'util';
import { mergeParameters } from '../lifecycle/engineParameters';
import { checkFlavorChange } from './flavorChange';
import { cancelDeferred, deferToWindow } from './maintenance';
import { SettingsStore } from '../store/SettingsStore';
import { BackupRecords } from '../store/BackupRecords';
import type { WarmPool } from '../pool/WarmPool';
import { MetricsStore } from '../store/MetricsStore';
import { InstanceCertificates } from '../tls/InstanceCertificates';
import { AccessControl } from './access/AccessControl';
import { InstanceGate } from './access/instanceGate';
import { OwnerCheck } from './access/OwnerCheck';
import { actorOf } from './access/principal';
import { ConnectionInfo } from './connectionInfo';
import { requestOperation } from './operationRequest';
import {
  checkGrowth,
  requestStorageGrowth,
  resolveStoragePolicy,
} from './storageUpdate';
import { InstanceCreation } from './InstanceCreation';
import {
  describeBackupPolicy,
  resolveBackupPolicy,
} from '../backups/backupPolicy';

export interface ListOptions {
  owners?: string[];
  statuses?: Instance['status'][];
  flavorId?: string;
  engines?: Instance['engine'][];
  name?: string;
  search?: string;
  changedSince?: string;
  limit: number;
  offset: number;
}

/**
 * What the API does, independent of HTTP: every route's permission check and answer. Creating
 * lives in InstanceCreation, connecting in ConnectionInfo.
 */
export class InstanceService {
  private readonly flavors: Map<string, Flavor>;
  private readonly gate: InstanceGate;
  private readonly creation: InstanceCreation;
  private readonly connection: ConnectionInfo;

  constructor(
    private readonly deps: {
      config: DbaasConfig;
      store: InstanceStore;
      lifecycle: LifecycleController;
      runtimes: RuntimeRegistry;
      secretBox: SecretBox;
      access: AccessControl;
      ownerCheck: OwnerCheck;
      notifier: InstanceNotifier;
      settings?: SettingsStore;
      certificates?: InstanceCertificates;
      backupRecords?: BackupRecords;
      metrics?: MetricsStore;
      warmPool?: WarmPool;
    },
  ) {
    this.flavors = new Map(deps.config.flavors.map(f => [f.id, f]));
    this.gate = new InstanceGate(deps.store, deps.access);
    this.creation = new InstanceCreation({ ...deps, gate: this.gate });
    this.connection = new ConnectionInfo({ ...deps, gate: this.gate });
  }

  listFlavors(): Flavor[] {
    return this.deps.config.flavors;
  }

  listRuntimes(): ListRuntimesResponse {
    return {
      defaultRuntime: this.deps.config.defaultRuntime,
      items: this.deps.runtimes.list().map(runtime => ({
        name: runtime.name,
        flavorIds: this.deps.config.flavors
          .filter(f => !runtime.unsupportedReason(f))
          .map(f => f.id),
      })),
    };
  }

  create(
    request: CreateInstanceRequest,
    credentials: BackstageCredentials,
    options: { dryRun?: boolean } = {},
  ): Promise<Instance> {
    return this.creation.create(request, credentials, options);
  }

  /** Lets an instance held at its host go on to deploy its engine. */
  deploy(id: string, credentials: BackstageCredentials): Promise<Instance> {
    return this.creation.deploy(id, credentials);
  }

  async list(
    options: ListOptions,
    credentials: BackstageCredentials,
  ): Promise<ListInstancesResponse> {
    const decision = await this.deps.access.decision(
      credentials,
      dbaasInstanceReadPermission,
    );
    if (decision.result === AuthorizeResult.DENY) {
      return { items: [], totalCount: 0 };
    }
    const page = await this.deps.store.pageOfInstances({
      ...options,
      statuses:
        options.statuses ??
        (options.changedSince ? [...LIVE_STATUSES, 'deleted'] : LIVE_STATUSES),
      access: this.deps.access.queryOf(decision),
    });
    return {
      items: page.items.map(toPublicInstance),
      totalCount: page.totalCount,
    };
  }

  /** The instance, when it exists and the caller may see it. */
  async get(id: string, credentials: BackstageCredentials): Promise<Instance> {
    return toPublicInstance(
      await this.gate.load(id, credentials, dbaasInstanceReadPermission),
    );
  }

  async events(
    id: string,
    credentials: BackstageCredentials,
  ): Promise<InstanceEvent[]> {
    await this.gate.load(id, credentials, dbaasInstanceReadPermission);
    return this.deps.store.listEvents(id);
  }

  /** The server's last log lines, where the instance's runtime can read them. */
  async logs(
    id: string,
    tail: number,
    credentials: BackstageCredentials,
  ): Promise<string> {
    const instance = await this.gate.load(
      id,
      credentials,
      dbaasInstanceReadPermission,
    );
    const runtime = this.deps.runtimes.get(instance.runtime);
    const flavor = this.flavors.get(instance.flavorId);
    if (!runtime?.engine.logs || !flavor || !instance.hostRef) {
      throw new ConflictError(
        `No logs for ${instance.name}: ${
          instance.hostRef
            ? `the ${instance.runtime} runtime does not read logs`
            : 'it has no host yet'
        }`,
      );
    }
    try {
      return await runtime.engine.logs(
        instance.hostRef,
        this.deps.lifecycle.engineSpec(instance, flavor),
        tail,
      );
    } catch (error) {
      throw new ServiceUnavailableError(
        `Cannot read the logs of ${instance.name} from its ${
          instance.runtime
        } host: ${(error as Error).message}`,
      );
    }
  }

  /** Turns deletion protection on or off; changes the backup schedule and retention. */
  async update(
    id: string,
    patch: UpdateInstanceRequest,
    credentials: BackstageCredentials,
  ): Promise<Instance> {
    let instance = await this.gate.load(
      id,
      credentials,
      dbaasInstanceUpdatePermission,
    );
    const actor = actorOf(credentials);
    // one operation at a time: a PATCH asks for at most one change done in the background
    const background = (
      ['storageGiB', 'parameters', 'flavorId'] as const
    ).filter(field => patch[field] !== undefined);
    if (background.length > 1) {
      throw new InputError(
        `${background.join(
          ', ',
        )}: each is done in the background, one at a time; send them in separate PATCH requests`,
      );
    }
    // checked before anything changes: a bad parameter leaves every setting as it was
    const parameters =
      patch.parameters &&
      mergeParameters(instance.engine, instance.parameters, patch.parameters);
    const newFlavor =
      patch.flavorId && patch.flavorId !== instance.flavorId
        ? checkFlavorChange(
            instance,
            this.flavors,
            this.deps.runtimes,
            patch.flavorId,
          )
        : undefined;
    if (
      patch.deletionProtection !== undefined &&
      instance.deletionProtection !== patch.deletionProtection
    ) {
      instance = await this.deps.store.updateInstance(
        id,
        { deletionProtection: patch.deletionProtection },
        {
          type: 'operation',
          message: `deletion protection turned ${
            patch.deletionProtection ? 'on' : 'off'
          }`,
          actor,
        },
      );
      await this.deps.notifier.changed(instance);
    }
    if (patch.backup) {
      const flavor = this.flavors.get(instance.flavorId);
      if (!flavor) {
        throw new ConflictError(
          `flavor '${instance.flavorId}' of ${instance.name} is no longer configured`,
        );
      }
      const policy = resolveBackupPolicy(
        flavor,
        patch.backup,
        instance.backupPolicy ?? undefined,
      );
      instance = await this.deps.store.updateInstance(
        id,
        { backupPolicy: policy },
        {
          type: 'operation',
          message: describeBackupPolicy(policy),
          actor,
          data: { backup: policy },
        },
      );
      await this.deps.notifier.changed(instance);
    }
    if (patch.credentialRotation) {
      const days = patch.credentialRotation.everyDays;
      instance = await this.deps.store.updateInstance(
        id,
        // the days count from now, not from the last rotation or the create
        { rotationDays: days, rotationRequestedAt: new Date().toISOString() },
        {
          type: 'operation',
          message: days
            ? `credentials rotated every ${days} days from now on`
            : 'scheduled credential rotation turned off',
          actor,
        },
      );
      await this.deps.notifier.changed(instance);
    }
    if (patch.maintenanceWindow !== undefined) {
      instance = await this.setMaintenanceWindow(
        instance,
        patch.maintenanceWindow,
        actor,
      );
    }
    if (patch.storage || patch.storageGiB !== undefined) {
      instance = await this.updateStorage(instance, patch, actor);
    }
    const nextWindow = patch.applyAt === 'next-window';
    if (parameters) {
      instance = await this.setParameters(
        instance,
        parameters,
        actor,
        nextWindow,
      );
    }
    if (newFlavor) {
      instance = await this.requestInBackground(
        instance,
        actor,
        {
          type: 'change-flavor',
          target: newFlavor.id,
          message: `flavor change from ${instance.flavorId} to ${newFlavor.id} requested by ${actor}`,
        },
        nextWindow,
      );
    }
    return toPublicInstance(instance);
  }

  /** Asks for the server's parameters to change (in the background), unless they are as asked. */
  private async setParameters(
    instance: StoredInstance,
    parameters: Record<string, number>,
    actor: string,
    nextWindow: boolean,
  ) {
    if (isDeepStrictEqual(parameters, instance.parameters)) return instance;
    if (!this.deps.runtimes.get(instance.runtime)?.engine.admin) {
      throw new ConflictError(
        `${instance.name} runs on the ${instance.runtime} runtime, which cannot set server parameters yet`,
      );
    }
    if (instance.status !== 'running') {
      throw new ConflictError(
        `Only a running database's parameters can change; ${instance.name} is ${instance.status}`,
      );
    }
    return this.requestInBackground(
      instance,
      actor,
      {
        type: 'set-parameters',
        parameters,
        message: `server parameters change requested by ${actor}`,
      },
      nextWindow,
    );
  }

  /** Sets or removes the maintenance window; removing it while an operation waits is a 409. */
  private async setMaintenanceWindow(
    instance: StoredInstance,
    window: MaintenanceWindow | null,
    actor: string,
  ) {
    if (!window && instance.deferredOperation) {
      throw new ConflictError(
        `A ${instance.deferredOperation.type} of ${instance.name} waits for the maintenance window: cancel it first (DELETE /instances/${instance.id}/scheduled-operation)`,
      );
    }
    const updated = await this.deps.store.updateInstance(
      instance.id,
      { maintenanceWindow: window },
      {
        type: 'operation',
        message: window
          ? `maintenance window set to ${window.day} ${String(
              window.hour,
            ).padStart(2, '0')}:00 UTC for ${window.durationHours} h`
          : 'maintenance window removed',
        actor,
        data: { maintenanceWindow: window },
      },
    );
    await this.deps.notifier.changed(updated);
    return updated;
  }

  /** Drops the operation waiting for the maintenance window. */
  async cancelScheduled(
    id: string,
    credentials: BackstageCredentials,
  ): Promise<Instance> {
    const instance = await this.gate.load(
      id,
      credentials,
      dbaasInstanceOperatePermission,
    );
    const updated = await cancelDeferred(
      this.deps.store,
      instance,
      actorOf(credentials),
    );
    await this.deps.notifier.changed(updated);
    return toPublicInstance(updated);
  }

  /** Records an operation for the instance's worker (only while running with none under way). */
  private async requestInBackground(
    instance: StoredInstance,
    actor: string,
    request: Omit<PendingOperation, 'requestedBy' | 'requestedAt'> & {
      message: string;
    },
    nextWindow = false,
  ) {
    const { message, ...operation } = request;
    if (nextWindow) {
      const deferred = await deferToWindow(
        this.deps.store,
        instance,
        operation,
        actor,
      );
      await this.deps.notifier.changed(deferred);
      return deferred;
    }
    if (instance.operation) {
      throw new ConflictError(
        `${instance.name} has a ${instance.operation.type} under way (asked by ${instance.operation.requestedBy}); try again once it is done`,
      );
    }
    try {
      const updated = await this.deps.store.updateInstance(
        instance.id,
        {
          operation: {
            ...operation,
            requestedBy: actor,
            requestedAt: new Date().toISOString(),
          },
        },
        { type: 'operation', message, actor, data: { ...operation } },
        { status: 'running', noOperation: true },
      );
      this.deps.lifecycle.kick(instance.id);
      await this.deps.notifier.changed(updated);
      return updated;
    } catch (error) {
      if (error instanceof StaleInstanceError) {
        throw new ConflictError(
          `${instance.name} changed meanwhile; look again and retry`,
        );
      }
      throw error;
    }
  }

  /** Auto-grow settings, then a resize (in the background) when `storageGiB` grows. */
  private async updateStorage(
    instance: StoredInstance,
    patch: UpdateInstanceRequest,
    actor: string,
  ) {
    const flavor = this.flavors.get(instance.flavorId);
    if (!flavor) {
      throw new ConflictError(
        `flavor '${instance.flavorId}' of ${instance.name} is no longer configured`,
      );
    }
    const storageGiB = patch.storageGiB ?? instance.storageGiB;
    const policy = resolveStoragePolicy(
      flavor,
      Math.max(storageGiB, instance.storageGiB),
      patch.storage,
      { autoGrow: instance.storageAutoGrow, maxGiB: instance.storageMaxGiB },
    );
    // checked before anything changes: a refused resize leaves the settings as they were
    const grows = storageGiB !== instance.storageGiB;
    if (grows) checkGrowth(instance, flavor, storageGiB);
    let updated = instance;
    if (
      policy.storageAutoGrow !== instance.storageAutoGrow ||
      policy.storageMaxGiB !== instance.storageMaxGiB
    ) {
      updated = await this.deps.store.updateInstance(instance.id, policy, {
        type: 'operation',
        message: policy.storageAutoGrow
          ? `storage grows by itself at 80 % used, up to ${
              policy.storageMaxGiB ?? flavor.storageGiB.max
            } GiB`
          : 'storage no longer grows by itself',
        actor,
        data: { storage: policy },
      });
    }
    if (grows) {
      const { quotas } = this.deps.config;
      updated = await requestStorageGrowth(
        {
          store: this.deps.store,
          quota: quotas.owners[instance.owner] ?? quotas.default,
        },
        updated,
        flavor,
        storageGiB,
        actor,
      );
      this.deps.lifecycle.kick(instance.id);
    }
    await this.deps.notifier.changed(updated);
    return updated;
  }

  /**
   * Asks for a stop, start or restart, done in the background (durably: a restarted backend
   * finishes it). 409 naming the state when it does not fit, or while another is pending.
   */
  async operate(
    id: string,
    type: OperationType,
    credentials: BackstageCredentials,
    options: { nextWindow?: boolean } = {},
  ): Promise<Instance> {
    const instance = await this.gate.load(
      id,
      credentials,
      dbaasInstanceOperatePermission,
    );
    if (type === 'upgrade') this.checkUpgrade(instance);
    if (options.nextWindow) {
      if (instance.status !== 'running') {
        throw new ConflictError(
          `Only a running database can be scheduled for a ${type}; ${instance.name} is ${instance.status}`,
        );
      }
      const deferred = await deferToWindow(
        this.deps.store,
        instance,
        { type },
        actorOf(credentials),
      );
      await this.deps.notifier.changed(deferred);
      return toPublicInstance(deferred);
    }
    if (type === 'stop' || type === 'restart' || type === 'upgrade') {
      const [running] =
        (await this.deps.backupRecords?.list(id, ['running'])) ?? [];
      if (running) {
        throw new ConflictError(
          `A backup of ${instance.name} is running (${running.id}); ${type} it once the backup has ended`,
        );
      }
    }
    const updated = await requestOperation(
      this.deps,
      instance,
      type,
      actorOf(credentials),
    );
    this.deps.lifecycle.kick(id);
    await this.deps.notifier.changed(updated);
    return toPublicInstance(updated);
  }

  /** An upgrade needs a runtime that makes servers again, and an image newer than the one it runs. */
  private checkUpgrade(instance: StoredInstance) {
    if (!this.deps.runtimes.get(instance.runtime)?.engine.replace) {
      throw new ConflictError(
        `${instance.name} runs on the ${instance.runtime} runtime, which cannot upgrade its servers yet`,
      );
    }
    const image = this.flavors.get(instance.flavorId)?.image;
    if (image && instance.image === image) {
      throw new ConflictError(
        `${instance.name} runs ${image} already, flavor ${instance.flavorId}'s current image: nothing to upgrade`,
      );
    }
  }

  /** What the reconcile sampled of the instance in the last `hours`, with transactions per second. */
  async metrics(
    id: string,
    hours: number,
    credentials: BackstageCredentials,
  ): Promise<MetricsResponse> {
    await this.gate.load(id, credentials, dbaasInstanceReadPermission);
    const samples =
      (await this.deps.metrics?.list(id, Date.now() - hours * 3600_000)) ?? [];
    const fault = (await this.deps.store.listEvents(id))
      .filter(e => e.type === 'fault')
      .at(-1);
    return {
      lastError: fault
        ? {
            at: fault.at,
            message: fault.message,
            code: (fault.data?.code as string | undefined) ?? null,
          }
        : null,
      items: samples.map((sample, i) => {
        const before = samples[i - 1];
        const seconds = before ? (sample.atMs - before.atMs) / 1000 : 0;
        const delta = before ? sample.transactions - before.transactions : -1;
        return {
          at: new Date(sample.atMs).toISOString(),
          connections: sample.connections,
          sizeBytes: sample.sizeBytes,
          // a restart starts the count again: no rate across it
          transactionsPerSecond:
            seconds > 0 && delta >= 0
              ? Math.round((delta / seconds) * 100) / 100
              : null,
          uptimeSeconds: sample.uptimeSeconds,
          usedBytes: sample.usedBytes ?? null,
        };
      }),
    };
  }

  /** Starts the deletion; a running instance whose runtime backs up gets a final backup first. */
  async delete(
    id: string,
    credentials: BackstageCredentials,
    options: { skipFinalBackup?: boolean } = {},
  ): Promise<Instance> {
    const instance = await this.gate.load(
      id,
      credentials,
      dbaasInstanceDeletePermission,
    );
    if (instance.deletionProtection) {
      throw new ConflictError(
        `deletionProtection: database ${instance.name} is protected from deletion; turn deletion protection off first`,
      );
    }
    if (instance.status === 'deleting') {
      if (!options.skipFinalBackup || instance.finalBackup !== 'pending') {
        return toPublicInstance(instance);
      }
      // a final backup that keeps failing must not hold the deletion for good
      const skipped = await this.deps.store.updateInstance(
        id,
        { finalBackup: null },
        {
          type: 'operation',
          message: `${actorOf(
            credentials,
          )} chose to go on without the final backup`,
          actor: actorOf(credentials),
        },
      );
      this.deps.lifecycle.kick(id);
      return toPublicInstance(skipped);
    }
    if (instance.operation) {
      throw new ConflictError(
        `${instance.name} has a ${instance.operation.type} under way; delete it once that is done`,
      );
    }
    const backsUp = Boolean(
      this.deps.backupRecords &&
        this.deps.runtimes.get(instance.runtime)?.engine.backups,
    );
    if (instance.status === 'stopped' && backsUp && !options.skipFinalBackup) {
      throw new ConflictError(
        `${instance.name} is stopped, so it cannot get a final backup: start it first, or delete with skipFinalBackup`,
      );
    }
    const finalBackup =
      !options.skipFinalBackup &&
      instance.status === 'running' &&
      this.deps.backupRecords !== undefined &&
      Boolean(this.deps.runtimes.get(instance.runtime)?.engine.backups);
    const deleting = await this.deps.store.updateInstance(
      id,
      {
        status: 'deleting',
        phase: 'engine_removing',
        deadlineAt: null,
        // a pending stop or start gives way to the deletion
        operation: null,
        finalBackup: finalBackup ? 'pending' : null,
      },
      {
        type: 'operation',
        message: `delete requested by ${actorOf(credentials)}${finalNote(
          finalBackup,
          options.skipFinalBackup,
        )}`,
        actor: actorOf(credentials),
      },
    );
    this.deps.lifecycle.kick(id);
    await this.deps.notifier.changed(deleting);
    return toPublicInstance(deleting);
  }

  credentials(
    id: string,
    credentials: BackstageCredentials,
  ): Promise<Credentials> {
    return this.connection.credentials(id, credentials);
  }

  /** The CA certificate (PEM) clients verify the instance's server with. */
  caCertificate(
    id: string,
    credentials: BackstageCredentials,
  ): Promise<{ name: string; pem: string }> {
    return this.connection.caCertificate(id, credentials);
  }
}

function finalNote(finalBackup: boolean, skipped?: boolean) {
  if (finalBackup) return '; a final backup is taken first';
  return skipped ? ', without a final backup' : '';
}
