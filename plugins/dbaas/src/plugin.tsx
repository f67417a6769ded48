import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';
import { DbaasClient } from '@dbaas/plugin-dbaas-common';
import StorageIcon from '@material-ui/icons/Storage';
import { dbaasApiRef } from './api';
import { rootRouteRef } from './routes';

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
    loader: () =>
      import('./components/DatabasesPage').then(m => <m.DatabasesPage />),
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

/** The DBaaS frontend plugin for Backstage's new frontend system. */
export const dbaasPlugin = createFrontendPlugin({
  pluginId: 'dbaas',
  title: 'Databases',
  icon: <StorageIcon />,
  routes: { root: rootRouteRef },
  extensions: [dbaasApi, databasesPage, flavorPickerField],
});
