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
import { DbaasClient, Instance } from '@dbaas/plugin-dbaas-common';
import { instanceToEntity, LOCATION } from './instanceToEntity';

/**
 * Puts every database instance into the catalog. It reads the Manager's API as a
 * service, like any other client; deleted instances leave with the next full refresh.
 */
export class DbaasInstanceEntityProvider implements EntityProvider {
  private connection?: EntityProviderConnection;
  private readonly client: DbaasClient;

  constructor(
    private readonly deps: {
      auth: AuthService;
      discovery: DiscoveryService;
      logger: LoggerService;
      appBaseUrl: string;
      taskRunner?: SchedulerServiceTaskRunner;
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
        await this.refresh().catch(error =>
          this.deps.logger.warn(`Could not read database instances: ${error}`),
        );
      },
    });
  }

  async refresh() {
    if (!this.connection) throw new Error('not connected to the catalog');
    const { token } = await this.deps.auth.getPluginRequestToken({
      onBehalfOf: await this.deps.auth.getOwnServiceCredentials(),
      targetPluginId: 'dbaas',
    });
    const instances: Instance[] = [];
    for (let offset = 0; ; offset += 500) {
      const page = await this.client.listInstances(
        { limit: 500, offset },
        { token },
      );
      instances.push(...page.items);
      if (instances.length >= page.totalCount || !page.items.length) break;
    }
    const counts = new Map<string, number>();
    instances.forEach(i => counts.set(i.name, (counts.get(i.name) ?? 0) + 1));
    await this.connection.applyMutation({
      type: 'full',
      entities: instances.map(instance => ({
        entity: instanceToEntity(instance, {
          appBaseUrl: this.deps.appBaseUrl,
          nameTaken: counts.get(instance.name)! > 1,
        }),
        locationKey: LOCATION,
      })),
    });
  }
}
