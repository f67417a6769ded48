import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { readDbaasConfig } from './config/readDbaasConfig';
import { createRouter } from './service/router';

/** The DBaaS Manager backend plugin, mounted at `/api/dbaas`. */
export const dbaasPlugin = createBackendPlugin({
  pluginId: 'dbaas',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
      },
      async init({ config, httpAuth, httpRouter }) {
        const dbaasConfig = readDbaasConfig(config);
        httpRouter.use(await createRouter({ config: dbaasConfig, httpAuth }));
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
