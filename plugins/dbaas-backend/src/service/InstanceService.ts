import {
  AuditorService,
  BackstageCredentials,
} from '@backstage/backend-plugin-api';
import {
  ConflictError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  CreateInstanceRequest,
  Credentials,
  dbaasAdminPermission,
  dbaasInstanceCreatePermission,
  dbaasInstanceCredentialsReadPermission,
  dbaasInstanceDeletePermission,
  dbaasInstanceReadPermission,
  dbaasInstanceUpdatePermission,
  Flavor,
  Instance,
  InstanceEvent,
  ListInstancesResponse,
  ListRuntimesResponse,
} from '@dbaas/plugin-dbaas-common';
import crypto from 'crypto';
import { DbaasConfig } from '../config/readDbaasConfig';
import {
  generatePassword,
  SecretBox,
  SecretUnreadableError,
} from '../crypto/SecretBox';
import { InstanceEngine } from '../engine/InstanceEngine';
import { InstanceNotifier } from '../engine/InstanceNotifier';
import { RuntimeRegistry } from '../runtimes';
import { EngineSecrets } from '@dbaas/plugin-dbaas-node';
import {
  InstanceStore,
  StoredInstance,
  toPublicInstance,
  Usage,
} from '../store/InstanceStore';
import { SettingsStore } from '../store/SettingsStore';
import { InstanceCertificates } from '../tls/InstanceCertificates';
import { AccessControl } from './access/AccessControl';
import { ResealReport, resealSecrets } from './admin/resealSecrets';
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

export interface ListOptions {
  owners?: string[];
  statuses?: Instance['status'][];
  flavorId?: string;
  engines?: Instance['engine'][];
  name?: string;
  search?: string;
  limit: number;
  offset: number;
}

/** What the API does, independent of HTTP: validation, permissions, quotas, audit. */
export class InstanceService {
  private readonly flavors: Map<string, Flavor>;
  private readonly createLimiter: RateLimiter;

  constructor(
    private readonly deps: {
      config: DbaasConfig;
      store: InstanceStore;
      engine: InstanceEngine;
      runtimes: RuntimeRegistry;
      secretBox: SecretBox;
      access: AccessControl;
      ownerCheck: OwnerCheck;
      auditor: AuditorService;
      notifier: InstanceNotifier;
      settings?: SettingsStore;
      certificates?: InstanceCertificates;
    },
  ) {
    this.flavors = new Map(deps.config.flavors.map(f => [f.id, f]));
    this.createLimiter = new RateLimiter(
      deps.config.rateLimit.creates,
      deps.config.rateLimit.windowMs,
    );
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

  /** Validates everything, then records the instance and starts work; a dry run stops before recording. */
  async create(
    request: CreateInstanceRequest,
    credentials: BackstageCredentials,
    options: { dryRun?: boolean } = {},
  ): Promise<Instance> {
    const flavor = resolveFlavor(this.flavors, request.flavorId);
    const storageGiB = resolveStorage(flavor, request.storageGiB);
    const runtimeName = request.runtime ?? this.deps.config.defaultRuntime;
    checkRuntime(this.deps.runtimes, runtimeName, flavor);
    const component = request.component
      ? normalizeRef(request.component, 'component', 'component')
      : null;

    await this.authorize(credentials, dbaasInstanceCreatePermission);
    // before any quota or rate-limit charge: nobody spends another owner's budget
    const owner = await this.deps.ownerCheck.check(
      normalizeRef(request.owner, 'group', 'owner'),
      credentials,
    );
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
    const retryAfter = this.createLimiter.take(user);
    if (retryAfter !== undefined) {
      throw new TooManyRequestsError(
        `Too many databases created by ${user}: at most ${
          this.deps.config.rateLimit.creates
        } per ${
          this.deps.config.rateLimit.windowMs / 1000
        } s; retry in ${retryAfter} s`,
        retryAfter,
      );
    }
    const secrets: EngineSecrets = {
      password: generatePassword(),
      adminPassword: generatePassword(),
    };
    const instance = await this.deps.store.createInstance(
      {
        id: crypto.randomUUID(),
        name: request.name,
        owner,
        flavorId: flavor.id,
        engine: flavor.engine,
        version: flavor.version,
        storageGiB,
        runtime: runtimeName,
        status: 'provisioning',
        health: 'unknown',
        phase: 'requested',
        endpoint: null,
        deletionProtection: request.deletionProtection ?? false,
        fault: null,
        component,
        createdBy: user,
        sealedSecrets: this.deps.secretBox.seal(secrets),
        deadlineAt: new Date(
          Date.now() + this.deps.config.provisioningTimeoutMs,
        ).toISOString(),
        holdAtHost: request.holdAtHost ?? false,
      },
      {
        type: 'created',
        message: `requested by ${user}: ${flavor.id}, ${storageGiB} GiB on ${runtimeName}`,
        actor: user,
      },
      usage => this.admit(owner, storageGiB, usage),
    );
    this.deps.engine.kick(instance.id);
    await this.deps.notifier.changed(instance);
    return toPublicInstance(instance);
  }

  private async dryRun(p: Parameters<typeof dryRunInstance>[0]) {
    await this.checkQuota(p.owner, p.storageGiB);
    const [taken] = await this.deps.store.listInstances({
      name: p.request.name,
      statuses: ['provisioning', 'running', 'stopped', 'deleting', 'failed'],
    });
    if (taken) {
      throw new ConflictError(
        `name: '${p.request.name}' is already used by another database (owned by ${taken.owner}); database names are unique across the portal`,
      );
    }
    return dryRunInstance(p);
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
      : await this.load(id, credentials, dbaasInstanceUpdatePermission);
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
    this.deps.engine.kick(id);
    return toPublicInstance(updated);
  }

  private async checkQuota(owner: string, storageGiB: number) {
    this.admit(owner, storageGiB, await this.deps.store.usage(owner));
  }

  private admit(owner: string, storageGiB: number, usage: Usage) {
    admitQuota(this.deps.config.quotas, owner, storageGiB, usage);
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
    const all = await this.deps.store.listInstances({
      owners: options.owners,
      statuses: options.statuses ?? [
        'provisioning',
        'running',
        'stopped',
        'deleting',
        'failed',
      ],
      flavorId: options.flavorId,
      name: options.name,
    });
    const search = options.search?.toLowerCase();
    const visible = all
      .map(toPublicInstance)
      .filter(i => !options.engines || options.engines.includes(i.engine))
      .filter(
        i =>
          !search ||
          [i.name, i.owner, i.flavorId].some(v =>
            v.toLowerCase().includes(search),
          ),
      )
      .filter(i => this.deps.access.matches(decision, i));
    return {
      items: visible.slice(options.offset, options.offset + options.limit),
      totalCount: visible.length,
    };
  }

  /** The instance, when it exists and the caller may see it. */
  async get(id: string, credentials: BackstageCredentials): Promise<Instance> {
    return toPublicInstance(
      await this.load(id, credentials, dbaasInstanceReadPermission),
    );
  }

  async events(
    id: string,
    credentials: BackstageCredentials,
  ): Promise<InstanceEvent[]> {
    await this.load(id, credentials, dbaasInstanceReadPermission);
    return this.deps.store.listEvents(id);
  }

  /** The server's last log lines, where the instance's runtime can read them. */
  async logs(
    id: string,
    tail: number,
    credentials: BackstageCredentials,
  ): Promise<string> {
    const instance = await this.load(
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
        this.deps.engine.engineSpec(instance, flavor),
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

  async update(
    id: string,
    patch: { deletionProtection: boolean },
    credentials: BackstageCredentials,
  ): Promise<Instance> {
    const instance = await this.load(
      id,
      credentials,
      dbaasInstanceUpdatePermission,
    );
    if (instance.deletionProtection === patch.deletionProtection) {
      return toPublicInstance(instance);
    }
    const updated = await this.deps.store.updateInstance(id, patch, {
      type: 'operation',
      message: `deletion protection turned ${
        patch.deletionProtection ? 'on' : 'off'
      }`,
      actor: actorOf(credentials),
    });
    await this.deps.notifier.changed(updated);
    return toPublicInstance(updated);
  }

  async delete(
    id: string,
    credentials: BackstageCredentials,
  ): Promise<Instance> {
    const instance = await this.load(
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
      return toPublicInstance(instance);
    }
    const deleting = await this.deps.store.updateInstance(
      id,
      { status: 'deleting', phase: 'engine_removing', deadlineAt: null },
      {
        type: 'operation',
        message: `delete requested by ${actorOf(credentials)}`,
        actor: actorOf(credentials),
      },
    );
    this.deps.engine.kick(id);
    await this.deps.notifier.changed(deleting);
    return toPublicInstance(deleting);
  }

  async credentials(
    id: string,
    credentials: BackstageCredentials,
  ): Promise<Credentials> {
    const instance = await this.load(
      id,
      credentials,
      dbaasInstanceCredentialsReadPermission,
    );
    if (
      !instance.endpoint ||
      !['running', 'stopped'].includes(instance.status)
    ) {
      throw new ConflictError(
        `Credentials exist once the database is running; ${instance.name} is ${instance.status}`,
      );
    }
    const { password, tls } = this.openSecrets(instance);
    const { host, port, database, user } = instance.endpoint;
    const postgres = instance.engine === 'postgresql';
    const scheme = postgres ? 'postgresql' : 'mysql';
    // clients verify the server's certificate and name with the CA (GET /instances/{id}/ca)
    let verify = '';
    if (tls)
      verify = postgres ? '?sslmode=verify-full' : '?ssl-mode=VERIFY_IDENTITY';
    return {
      host,
      port,
      database,
      username: user,
      password,
      uri: `${scheme}://${encodeURIComponent(user)}:${encodeURIComponent(
        password,
      )}@${host}:${port}/${database}${verify}`,
      ...(tls ? { ca: tls.caPem } : {}),
    };
  }

  /**
   * The CA certificate (PEM) that the instance's server certificate chains to: what clients
   * verify the server with. Public, so reading the instance is enough.
   */
  async caCertificate(
    id: string,
    credentials: BackstageCredentials,
  ): Promise<{ name: string; pem: string }> {
    const instance = await this.load(
      id,
      credentials,
      dbaasInstanceReadPermission,
    );
    const issued = this.openSecrets(instance).tls?.caPem;
    if (issued) return { name: instance.name, pem: issued };
    if (!this.deps.certificates) {
      throw new NotFoundError(
        `${instance.name} serves no TLS: this Manager issues no certificates`,
      );
    }
    // not deployed yet: the CA that will sign its certificate
    return { name: instance.name, pem: await this.deps.certificates.caPem() };
  }

  private openSecrets(instance: StoredInstance): EngineSecrets {
    try {
      return this.deps.secretBox.open<EngineSecrets>(instance.sealedSecrets);
    } catch (error) {
      if (error instanceof SecretUnreadableError) {
        throw new ServiceUnavailableError(error.message);
      }
      throw error;
    }
  }

  /** Seals every stored secret under the newest key (after a key was put first). */
  async reseal(credentials: BackstageCredentials): Promise<ResealReport> {
    await this.authorize(credentials, dbaasAdminPermission);
    return resealSecrets(
      this.deps.store,
      this.deps.secretBox,
      this.deps.settings,
    );
  }

  private async load(
    id: string,
    credentials: BackstageCredentials,
    permission: ResourcePermission,
  ): Promise<StoredInstance> {
    const instance = await this.deps.store.getInstance(id);
    if (!instance || instance.status === 'deleted') {
      throw new NotFoundError(`No database instance with id ${id}`);
    }
    if (
      !(await this.deps.access.allowsOn(
        credentials,
        permission,
        toPublicInstance(instance),
      ))
    ) {
      if (permission === dbaasInstanceReadPermission) {
        throw new NotFoundError(`No database instance with id ${id}`);
      }
      throw new NotAllowedError(
        `You may not ${
          permission.attributes.action ?? permission.name
        } database ${instance.name}`,
      );
    }
    return instance;
  }

  private async authorize(
    credentials: BackstageCredentials,
    permission: BasicPermission,
  ) {
    if (!(await this.deps.access.allows(credentials, permission))) {
      throw new NotAllowedError(`You may not ${permission.name}`);
    }
  }
}
