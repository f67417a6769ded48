import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  createRouteRef,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { DbaasClient } from '@dbaas/plugin-dbaas-common';
import { dbaasApiRef } from './api';

const legacyRootRouteRef = createRouteRef({ id: 'dbaas' });

/** For portals on the old frontend system: `<Route path="/dbaas" element={<DbaasPage />} />`. */
export const dbaasLegacyPlugin = createPlugin({
  id: 'dbaas',
  apis: [
    createApiFactory({
      api: dbaasApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new DbaasClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: { root: legacyRootRouteRef },
});

export const DbaasPage = dbaasLegacyPlugin.provide(
  createRoutableExtension({
    name: 'DbaasPage',
    component: () => import('./components/Router').then(m => m.Router),
    mountPoint: legacyRootRouteRef,
  }),
);

/** For the old system's entity pages: `<EntityDatabaseCard />` on resources and components. */
export const EntityDatabaseCard = dbaasLegacyPlugin.provide(
  createComponentExtension({
    name: 'EntityDatabaseCard',
    component: {
      lazy: () =>
        import('./components/EntityDatabaseCard').then(
          m => m.EntityDatabaseCard,
        ),
    },
  }),
);
