import { createBackendModule } from '@backstage/backend-plugin-api';
import { dbaasRuntimesExtensionPoint } from '@dbaas/plugin-dbaas-node';
import { readKubernetesRuntimeConfig } from './config';
import { createKubernetesRuntime } from './KubernetesRuntime';

/** Adds the `kubernetes` runtime to the DBaaS Manager, configured by `dbaas.runtimes.kubernetes`. */
export const dbaasModuleKubernetesRuntime = createBackendModule({
  pluginId: 'dbaas',
  moduleId: 'kubernetes-runtime',
  register(reg) {
    reg.registerInit({
      deps: { runtimes: dbaasRuntimesExtensionPoint },
      async init({ runtimes }) {
        runtimes.addRuntime({
          name: 'kubernetes',
          create: ({ config }) =>
            createKubernetesRuntime(readKubernetesRuntimeConfig(config)),
        });
      },
    });
  },
});
