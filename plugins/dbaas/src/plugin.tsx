import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';
import { DbaasClient } from '@dbaas/plugin-dbaas-common';
import StorageIcon from '@material-ui/icons/Storage';
import { dbaasApiRef } from './api';
import {
  isDatabaseEntity,
  showsDatabaseCard,
} from './components/EntityDatabaseCard/entityFilters';
import { instanceRouteRef, rootRouteRef } from './routes';

const dbaasApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: dbaasApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new DbaasClient({ discoveryApi, fetchApi }),
    }),
});

const databasesPage = PageBlueprint.make({
  params: {
    path: '/dbaas',
    title: 'Databases',
    icon: <StorageIcon />,
    routeRef: rootRouteRef,
    loader: () => import('./components/Router').then(m => <m.Router />),
  },
});

const databaseCard = EntityCardBlueprint.make({
  name: 'database',
  params: {
    filter: showsDatabaseCard,
    loader: () =>
      import('./components/EntityDatabaseCard').then(m => (
        <m.EntityDatabaseCard />
      )),
  },
});

const databaseContent = EntityContentBlueprint.make({
  name: 'database',
  params: {
    path: '/database',
    title: 'Database',
    filter: isDatabaseEntity,
    loader: () =>
      import('./components/EntityDatabaseCard').then(m => (
        <m.EntityDatabaseContent />
      )),
  },
});

/** `ui:field: DbaasFlavorPicker` for the Create Database template. */
const flavorPickerField = FormFieldBlueprint.make({
  name: 'flavor-picker',
  params: {
    field: () =>
      import('./components/FlavorPicker/formField').then(
        m => m.flavorPickerFormField,
      ),
  },
});

/** `ui:field: DbaasOwnerPicker`: the signed-in user and the groups they are a member of. */
const ownerPickerField = FormFieldBlueprint.make({
  name: 'owner-picker',
  params: {
    field: () =>
      import('./components/OwnerPicker/formField').then(
        m => m.ownerPickerFormField,
      ),
  },
});

/** The DBaaS frontend plugin for Backstage's new frontend system. */
export const dbaasPlugin = createFrontendPlugin({
  pluginId: 'dbaas',
  title: 'Databases',
  icon: <StorageIcon />,
  routes: { root: rootRouteRef, instance: instanceRouteRef },
  extensions: [
    dbaasApi,
    databasesPage,
    databaseCard,
    databaseContent,
    flavorPickerField,
    ownerPickerField,
  ],
});
