import { createBackendModule } from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { DevPortalPermissionPolicy } from './DevPortalPermissionPolicy';

/** Installs the dev portal's permission policy. */
export default createBackendModule({
  pluginId: 'permission',
  moduleId: 'dev-portal-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint },
      async init({ policy }) {
        policy.setPolicy(new DevPortalPermissionPolicy());
      },
    });
  },
});
