import { createBackendModule } from '@backstage/backend-plugin-api';
import { dbaasRuntimesExtensionPoint } from '@dbaas/plugin-dbaas-node';
import { readGceRuntimeConfig } from './config';
import { createGceRuntime } from './createGceRuntime';

/** Adds the `gce` runtime to the DBaaS Manager, configured by `dbaas.runtimes.gce`. */
export const dbaasModuleGceRuntime = createBackendModule({
  pluginId: 'dbaas',
  moduleId: 'gce-runtime',
  register(reg) {
    reg.registerInit({
      deps: { runtimes: dbaasRuntimesExtensionPoint },
      async init({ runtimes }) {
        runtimes.addRuntime({
          name: 'gce',
          create: ({ config, logger, secrets }) =>
            createGceRuntime(readGceRuntimeConfig(config), {
              secretBox: secrets,
              logger,
            }),
        });
      },
    });
  },
});
