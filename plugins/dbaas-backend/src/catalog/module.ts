import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { DbaasInstanceEntityProvider } from './DbaasInstanceEntityProvider';
import { readCatalogSettings } from './settings';

/** Catalog module: every database instance as a `Resource` of type `database`. */
export const catalogModuleDbaasInstances = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'dbaas-instances',
  register(env) {
    env.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        auth: coreServices.auth,
        discovery: coreServices.discovery,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        config: coreServices.rootConfig,
      },
      async init({ catalog, auth, discovery, logger, scheduler, config }) {
        const { refreshSeconds, fullSyncMinutes } = readCatalogSettings(config);
        catalog.addEntityProvider(
          new DbaasInstanceEntityProvider({
            auth,
            discovery,
            logger,
            appBaseUrl: config.getString('app.baseUrl'),
            fullSyncMinutes,
            taskRunner: scheduler.createScheduledTaskRunner({
              frequency: { seconds: refreshSeconds },
              timeout: { minutes: 1 },
            }),
          }),
        );
      },
    });
  },
});
