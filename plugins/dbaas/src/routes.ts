import {
  createRouteRef,
  createSubRouteRef,
} from '@backstage/frontend-plugin-api';

export const rootRouteRef = createRouteRef();

export const instanceRouteRef = createSubRouteRef({
  parent: rootRouteRef,
  path: '/instances/:id',
});
