import {
  AuthService,
  DiscoveryService,
  LoggerService,
  SchedulerServiceTaskRunner,
} from '@backstage/backend-plugin-api';
import {
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import {
  DbaasClient,
  Instance,
  instanceEntityRef,
} from '@dbaas/plugin-dbaas-common';
import { instanceToEntity, LOCATION } from './instanceToEntity';

/** Changes are read again for this long: a change a replica wrote with a clock slightly behind, or committed late, is never missed. */
const OVERLAP_MS = 60_000;

/**
 * Puts every database instance into the catalog. It reads the Manager's API as a service,
 * like any other client: on each run the instances changed since the last one (`changedSince`)
 * as a delta (new and changed ones added, deleted ones removed), and every `fullSyncMinutes`
 * all of them as a full mutation, the safety net for anything a delta could miss.
 */
export class DbaasInstanceEntityProvider implements EntityProvider {
  private connection?: EntityProviderConnection;
  private readonly client: DbaasClient;
  private lastFullSyncAt = 0;
  /** Where the next delta starts reading; none before the first full sync. */
  private changesSince?: string;
  /**
   * The version (`updatedAt`) of each instance already applied whose change lies inside the
   * overlap the next delta reads again: it is skipped unless it changed since, so a bulk
   * change is not applied again on every run for a minute.
   */
  private readonly applied = new Map<string, string>();

  constructor(
    private readonly deps: {
      auth: AuthService;
      discovery: DiscoveryService;
      logger: LoggerService;
      appBaseUrl: string;
      taskRunner?: SchedulerServiceTaskRunner;
      /** Default: 10. */
      fullSyncMinutes?: number;
    },
  ) {
    this.client = new DbaasClient({ discoveryApi: deps.discovery });
  }

  getProviderName() {
    return 'dbaas-instances';
  }

  async connect(connection: EntityProviderConnection) {
    this.connection = connection;
    await this.deps.taskRunner?.run({
      id: `${this.getProviderName()}:refresh`,
      fn: async () => {
        await this.sync().catch(error =>
          this.deps.logger.warn(`Could not read database instances: ${error}`),
        );
      },
    });
  }

  /** A full sync when one is due, else the changes since the last run. */
  async sync() {
    const fullSyncMs = (this.deps.fullSyncMinutes ?? 10) * 60_000;
    if (!this.changesSince || Date.now() - this.lastFullSyncAt >= fullSyncMs) {
      await this.refresh();
    } else {
      await this.applyChanges();
    }
  }

  /** Every instance, as a full mutation. */
  async refresh() {
    const connection = this.connected();
    const startedAt = Date.now();
    const token = await this.token();
    const instances = await this.readAll({}, token);
    const counts = new Map<string, number>();
    instances.forEach(i => counts.set(i.name, (counts.get(i.name) ?? 0) + 1));
    await connection.applyMutation({
      type: 'full',
      entities: instances.map(instance =>
        this.deferred(instance, counts.get(instance.name)! > 1),
      ),
    });
    this.lastFullSyncAt = startedAt;
    this.changesSince = new Date(startedAt - OVERLAP_MS).toISOString();
    this.applied.clear();
    this.remember(instances);
  }

  /** The instances changed since the last run, as a delta mutation. */
  async applyChanges() {
    const connection = this.connected();
    const since = this.changesSince ?? new Date(0).toISOString();
    const token = await this.token();
    const changed = (await this.readAll({ changedSince: since }, token)).filter(
      i => this.applied.get(i.id) !== i.updatedAt,
    );
    if (!changed.length) return;
    const live = changed.filter(i => i.status !== 'deleted');
    const liveNames = new Set(live.map(i => i.name));
    const removed = [];
    for (const gone of changed.filter(i => i.status === 'deleted')) {
      // a live instance may carry the name the deleted one freed: its Resource stays
      if (liveNames.has(gone.name)) continue;
      const { items } = await this.client.listInstances(
        { name: gone.name, limit: 1 },
        { token },
      );
      if (items.length) continue;
      removed.push({
        entityRef: instanceEntityRef(gone),
        locationKey: LOCATION,
      });
    }
    await connection.applyMutation({
      type: 'delta',
      added: live.map(instance => this.deferred(instance, false)),
      removed,
    });
    const newest = Math.max(...changed.map(i => Date.parse(i.updatedAt)));
    this.changesSince = new Date(
      Math.max(Date.parse(since), newest - OVERLAP_MS),
    ).toISOString();
    this.remember(changed);
  }

  /** Notes the versions applied, and forgets those older than the next delta reads. */
  private remember(instances: Instance[]) {
    instances.forEach(i => this.applied.set(i.id, i.updatedAt));
    const since = Date.parse(this.changesSince!);
    for (const [id, updatedAt] of this.applied) {
      if (Date.parse(updatedAt) < since) this.applied.delete(id);
    }
  }

  private connected() {
    if (!this.connection) throw new Error('not connected to the catalog');
    return this.connection;
  }

  private async token() {
    const { token } = await this.deps.auth.getPluginRequestToken({
      onBehalfOf: await this.deps.auth.getOwnServiceCredentials(),
      targetPluginId: 'dbaas',
    });
    return token;
  }

  private async readAll(
    query: { changedSince?: string },
    token: string,
  ): Promise<Instance[]> {
    const instances: Instance[] = [];
    for (let offset = 0; ; offset += 500) {
      const page = await this.client.listInstances(
        { ...query, limit: 500, offset },
        { token },
      );
      instances.push(...page.items);
      if (instances.length >= page.totalCount || !page.items.length) break;
    }
    return instances;
  }

  private deferred(instance: Instance, nameTaken: boolean) {
    return {
      entity: instanceToEntity(instance, {
        appBaseUrl: this.deps.appBaseUrl,
        nameTaken,
      }),
      locationKey: LOCATION,
    };
  }
}
