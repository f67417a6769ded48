import { components, operations, paths } from '../generated/openapi';

/*
 * The Manager's API as its OpenAPI spec describes it: plugins/dbaas-backend/src/schema/openapi.yaml,
 * generated into ../generated/openapi.ts by `yarn generate:openapi` in plugins/dbaas-backend.
 * The request and response types of this package are aliases of these.
 */

/** The spec's routes: `DbaasApiPaths['/instances/{id}']['get']`. */
export type DbaasApiPaths = paths;
/** The spec's operations by operationId: `DbaasApiOperations['getInstance']`. */
export type DbaasApiOperations = operations;
/** The spec's named schemas: `DbaasApiSchemas['Instance']`. */
export type DbaasApiSchemas = components['schemas'];

/** Query parameters as a client passes them: where the spec takes a list, one value will do too. */
export type DbaasApiQuery<Q> = {
  [K in keyof Q]?: NonNullable<Q[K]> extends Array<infer E> ? E | E[] : Q[K];
};
