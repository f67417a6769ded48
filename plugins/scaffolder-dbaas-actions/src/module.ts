import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createManagerClientFactory } from './managerClient';
import { createDbaasActions } from './actions';

/** Registers the `dbaas:*` actions with the scaffolder. */
export const scaffolderModuleDbaas = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'dbaas',
  register(env) {
    env.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
        config: coreServices.rootConfig,
      },
      async init({ scaffolder, discovery, auth, config }) {
        const manager = createManagerClientFactory({ discovery, auth });
        scaffolder.addActions(
          ...createDbaasActions({
            manager,
            appBaseUrl: config.getString('app.baseUrl'),
          }),
        );
      },
    });
  },
});
