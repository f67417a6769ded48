import { createBackendModule } from '@backstage/backend-plugin-api';
import { dbaasRuntimesExtensionPoint, Runtime } from '@dbaas/plugin-dbaas-node';

/** A backend module adding one test runtime under `name`, made when the plugin starts. */
export function testRuntimeModule(name: string, create: () => Runtime) {
  return createBackendModule({
    pluginId: 'dbaas',
    moduleId: `${name}-runtime`,
    register(reg) {
      reg.registerInit({
        deps: { runtimes: dbaasRuntimesExtensionPoint },
        async init({ runtimes }) {
          runtimes.addRuntime({ name, create });
        },
      });
    },
  });
}
