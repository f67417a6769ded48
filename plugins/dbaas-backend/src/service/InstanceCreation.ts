import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  CreateInstanceRequest,
  dbaasInstanceCreatePermission,
  dbaasInstanceUpdatePermission,
  Flavor,
  Instance,
  RestoreFrom,
} from '@dbaas/plugin-dbaas-common';
import { EngineSecrets } from '@dbaas/plugin-dbaas-node';
import crypto from 'crypto';
import { DbaasConfig } from '../config/readDbaasConfig';
import { generatePassword, SecretBox } from '../crypto/SecretBox';
import { InstanceNotifier } from '../lifecycle/InstanceNotifier';
import { LifecycleController } from '../lifecycle/LifecycleController';
import { RuntimeRegistry } from '../runtimes';
import {
  InstanceStore,
  LIVE_STATUSES,
  StoredInstance,
  toPublicInstance,
  Usage,
} from '../store/InstanceStore';
import { InstanceGate } from './access/instanceGate';
import { OwnerCheck } from './access/OwnerCheck';
import { actorOf, principalOf } from './access/principal';
import {
  admitQuota,
  checkRuntime,
  dryRunInstance,
  normalizeRef,
  resolveFlavor,
  resolveStorage,
} from './admission';
import { TooManyRequestsError } from './errors';
import { RateLimiter } from './RateLimiter';
import { resolveRestoreSource } from './restoreSource';
import { resolveBackupPolicy } from '../backups/backupPolicy';
import { resolveStoragePolicy } from './storageUpdate';
import { BackupRecords } from '../store/BackupRecords';
import type { WarmPool } from '../pool/WarmPool';

/** Creating an instance: admission, the record, and the go-ahead for an instance held at its host. */
export class InstanceCreation {
  private readonly flavors: Map<string, Flavor>;
  private readonly limiter: RateLimiter;

  constructor(
    private readonly deps: {
      config: DbaasConfig;
      store: InstanceStore;
      lifecycle: LifecycleController;
      runtimes: RuntimeRegistry;
      secretBox: SecretBox;
      gate: InstanceGate;
      ownerCheck: OwnerCheck;
      notifier: InstanceNotifier;
      /** Backup records, for creates that restore one; none: restores are refused. */
      backupRecords?: BackupRecords;
      /** Servers started ahead of demand; none: every create takes the cold path. */
      warmPool?: WarmPool;
    },
  ) {
    this.flavors = new Map(deps.config.flavors.map(f => [f.id, f]));
    this.limiter = new RateLimiter(
      deps.config.rateLimit.creates,
      deps.config.rateLimit.windowMs,
    );
  }

  /** Validates everything, then records the instance and starts work; a dry run stops before recording. */
  async create(
    request: CreateInstanceRequest,
    credentials: BackstageCredentials,
    options: { dryRun?: boolean } = {},
  ): Promise<Instance> {
    const { config, store, secretBox } = this.deps;
    const flavor = resolveFlavor(this.flavors, request.flavorId);
    const storageGiB = resolveStorage(flavor, request.storageGiB);
    // a restore goes to its source's runtime unless told otherwise
    const runtimeName =
      request.runtime ??
      (await this.sourceRuntime(request.restoreFrom)) ??
      config.defaultRuntime;
    checkRuntime(this.deps.runtimes, runtimeName, flavor);
    const backupPolicy = resolveBackupPolicy(flavor, request.backup);
    const storagePolicy = resolveStoragePolicy(
      flavor,
      storageGiB,
      request.storage,
    );
    const component = request.component
      ? normalizeRef(request.component, 'component', 'component')
      : null;

    await this.deps.gate.authorize(credentials, dbaasInstanceCreatePermission);
    // before any quota or rate-limit charge: nobody spends another owner's budget
    const owner = await this.deps.ownerCheck.check(
      normalizeRef(request.owner, 'group', 'owner'),
      credentials,
    );
    const restore = request.restoreFrom
      ? await this.restoreSource(request.restoreFrom, credentials, {
          flavor,
          runtimeName,
        })
      : undefined;
    const user = actorOf(credentials);
    if (options.dryRun) {
      return this.dryRun({
        request,
        flavor,
        storageGiB,
        runtimeName,
        owner,
        component,
        user,
      });
    }
    this.takeRate(user);
    // a server from the warm pool, where one waits: it keeps its administrator password and
    // certificate (never shown to anyone), the application user's password is new
    const pooled =
      !restore &&
      !request.holdAtHost &&
      storageGiB === flavor.storageGiB.default
        ? await this.deps.warmPool?.claim(flavor, runtimeName)
        : undefined;
    const secrets: EngineSecrets = {
      adminPassword: generatePassword(),
      ...pooled?.secrets,
      password: generatePassword(),
    };
    let instance: StoredInstance;
    try {
      instance = await store.createInstance(
        {
          id: pooled?.member.id ?? crypto.randomUUID(),
          name: request.name,
          owner,
          flavorId: flavor.id,
          engine: flavor.engine,
          version: flavor.version,
          storageGiB,
          runtime: runtimeName,
          status: 'provisioning',
          health: 'unknown',
          phase: pooled ? 'engine_deploying' : 'requested',
          hostRef: pooled?.member.hostRef,
          fromPool: Boolean(pooled),
          endpoint: null,
          deletionProtection: request.deletionProtection ?? false,
          fault: null,
          component,
          createdBy: user,
          sealedSecrets: secretBox.seal(secrets),
          deadlineAt: new Date(
            Date.now() + config.provisioningTimeoutMs,
          ).toISOString(),
          holdAtHost: request.holdAtHost ?? false,
          restoreFrom: restore?.source ?? null,
          databaseName: restore?.databaseName ?? null,
          backupPolicy,
          ...storagePolicy,
        },
        {
          type: 'created',
          message: `requested by ${user}: ${
            flavor.id
          }, ${storageGiB} GiB on ${runtimeName}${
            restore ? `, restored from backup ${restore.source.backupId}` : ''
          }${
            restore?.source.targetTime
              ? ` as of ${restore.source.targetTime}`
              : ''
          }${pooled ? ', on a server from the warm pool' : ''}`,
          actor: user,
          data: restore ? { restoreFrom: restore.source } : undefined,
        },
        usage => this.admit(owner, storageGiB, usage),
      );
    } catch (error) {
      if (pooled) await this.deps.warmPool!.release(pooled.member);
      throw error;
    }
    if (pooled) await this.deps.warmPool!.handedOver(pooled.member);
    this.deps.lifecycle.kick(instance.id);
    await this.deps.notifier.changed(instance);
    return toPublicInstance(instance);
  }

  /** Lets an instance held at its host go on to deploy its engine. */
  async deploy(
    id: string,
    credentials: BackstageCredentials,
  ): Promise<Instance> {
    const instance = await this.deps.store.getInstance(id);
    const isCreator =
      instance &&
      principalOf(credentials).type === 'user' &&
      actorOf(credentials) === instance.createdBy;
    const loaded = isCreator
      ? instance
      : await this.deps.gate.load(
          id,
          credentials,
          dbaasInstanceUpdatePermission,
        );
    if (!loaded || loaded.status === 'deleted') {
      throw new NotFoundError(`No database instance with id ${id}`);
    }
    if (!loaded.holdAtHost) {
      return toPublicInstance(loaded);
    }
    const updated = await this.deps.store.updateInstance(
      id,
      { holdAtHost: false },
      {
        type: 'operation',
        message: `deploy requested by ${actorOf(credentials)}`,
        actor: actorOf(credentials),
      },
    );
    this.deps.lifecycle.kick(id);
    return toPublicInstance(updated);
  }

  private async dryRun(p: Parameters<typeof dryRunInstance>[0]) {
    this.admit(p.owner, p.storageGiB, await this.deps.store.usage(p.owner));
    const [taken] = await this.deps.store.listInstances({
      name: p.request.name,
      statuses: LIVE_STATUSES,
    });
    if (taken) {
      throw new ConflictError(
        `name: '${p.request.name}' is already used by another database (owned by ${taken.owner}); database names are unique across the portal`,
      );
    }
    return dryRunInstance(p);
  }

  /** The runtime of a restore's source, when it can be found (the checks come later). */
  private async sourceRuntime(restoreFrom: RestoreFrom | undefined) {
    const records = this.deps.backupRecords;
    if (!restoreFrom || !records) return undefined;
    const instanceId =
      'backupId' in restoreFrom
        ? (await records.get(restoreFrom.backupId))?.instanceId
        : restoreFrom.instanceId;
    return instanceId
      ? (await this.deps.store.getInstance(instanceId))?.runtime
      : undefined;
  }

  private restoreSource(
    restoreFrom: RestoreFrom,
    credentials: BackstageCredentials,
    target: { flavor: Flavor; runtimeName: string },
  ) {
    const records = this.deps.backupRecords;
    if (!records) {
      throw new InputError('restoreFrom: this Manager keeps no backups');
    }
    return resolveRestoreSource(
      { records, gate: this.deps.gate, runtimes: this.deps.runtimes },
      restoreFrom,
      credentials,
      target,
    );
  }

  private takeRate(user: string) {
    const retryAfter = this.limiter.take(user);
    if (retryAfter === undefined) return;
    const { creates, windowMs } = this.deps.config.rateLimit;
    throw new TooManyRequestsError(
      `Too many databases created by ${user}: at most ${creates} per ${
        windowMs / 1000
      } s; retry in ${retryAfter} s`,
      retryAfter,
    );
  }

  private admit(owner: string, storageGiB: number, usage: Usage) {
    admitQuota(this.deps.config.quotas, owner, storageGiB, usage);
  }
}
