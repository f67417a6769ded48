import { createApiRef } from '@backstage/frontend-plugin-api';
import { DbaasApi } from '@dbaas/plugin-dbaas-common';

/** The DBaaS Manager's client, as a Backstage utility API. */
export const dbaasApiRef = createApiRef<DbaasApi>({ id: 'plugin.dbaas.api' });
