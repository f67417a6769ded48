import { createBackendModule } from '@backstage/backend-plugin-api';
import { dbaasRuntimesExtensionPoint } from '@dbaas/plugin-dbaas-node';
import { readEc2RuntimeConfig } from './config';
import { createEc2Runtime } from './createEc2Runtime';

/** Adds the `ec2` runtime to the DBaaS Manager, configured by `dbaas.runtimes.ec2`. */
export const dbaasModuleEc2Runtime = createBackendModule({
  pluginId: 'dbaas',
  moduleId: 'ec2-runtime',
  register(reg) {
    reg.registerInit({
      deps: { runtimes: dbaasRuntimesExtensionPoint },
      async init({ runtimes }) {
        runtimes.addRuntime({
          name: 'ec2',
          create: ({ config, logger, secrets }) =>
            createEc2Runtime(readEc2RuntimeConfig(config), {
              secretBox: secrets,
              logger,
            }),
        });
      },
    });
  },
});
