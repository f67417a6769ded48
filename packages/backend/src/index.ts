import { createBackend } from '@backstage/backend-defaults';
import { catalogModuleDbaasInstances } from '@dbaas/plugin-dbaas-backend';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));

// auth: guest sign-in for the dev portal; GitHub in production (auth.providers.github, the
// account resolved to the catalog User of the same name)
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
backend.add(import('@backstage/plugin-auth-backend-module-github-provider'));

// catalog, with Template entities and catalog error logs
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));
// every database instance as a Resource of type database
backend.add(catalogModuleDbaasInstances);

// scaffolder, with notifications and the dbaas:* actions
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(
  import('@backstage/plugin-scaffolder-backend-module-notifications'),
);
backend.add(import('@dbaas/plugin-scaffolder-backend-module-dbaas'));

// permissions, decided by the DBaaS policy
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(import('./permissionPolicyModule'));

// notifications and signals
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

// the DBaaS Manager, its runtime modules (each offered once dbaas.runtimes.<name> is configured)
// and the s3 backup store (used when dbaas.backups.store.type is s3)
backend.add(import('@dbaas/plugin-dbaas-backend'));
backend.add(import('@dbaas/plugin-dbaas-backend-module-kubernetes'));
backend.add(import('@dbaas/plugin-dbaas-backend-module-ec2'));
backend.add(import('@dbaas/plugin-dbaas-backend-module-gce'));
backend.add(import('@dbaas/plugin-dbaas-backend-module-s3'));

backend.start();
