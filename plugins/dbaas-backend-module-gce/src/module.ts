import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  dbaasRuntimesExtensionPoint,
  RuntimeRegistration,
} from '@dbaas/plugin-dbaas-node';
import { readGceRuntimeConfig } from './config';
import { createGceRuntime, GceClientOptions } from './createGceRuntime';

/**
 * The `gce` runtime as registered with the Manager; `clientOptions` go to the Compute clients
 * (tests give them credentials for a local fake instead of Google's).
 */
export function gceRuntimeRegistration(
  clientOptions?: GceClientOptions,
): RuntimeRegistration {
  return {
    name: 'gce',
    create: ({ config, logger, secrets }) =>
      createGceRuntime(readGceRuntimeConfig(config), {
        secretBox: secrets,
        logger,
        clientOptions,
      }),
  };
}

/** Adds the `gce` runtime to the DBaaS Manager, configured by `dbaas.runtimes.gce`. */
export const dbaasModuleGceRuntime = createBackendModule({
  pluginId: 'dbaas',
  moduleId: 'gce-runtime',
  register(reg) {
    reg.registerInit({
      deps: { runtimes: dbaasRuntimesExtensionPoint },
      async init({ runtimes }) {
        runtimes.addRuntime(gceRuntimeRegistration());
      },
    });
  },
});
