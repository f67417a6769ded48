/**
 * Databases page, instance page, entity cards and the flavor picker for the DBaaS Manager.
 *
 * @packageDocumentation
 */
export { dbaasPlugin as default } from './plugin';
export { dbaasApiRef } from './api';
export { DbaasPage, EntityDatabaseCard, dbaasLegacyPlugin } from './legacy';
export {
  isDatabaseEntity,
  showsDatabaseCard,
  DBAAS_INSTANCE_ID_ANNOTATION,
} from './components/EntityDatabaseCard/entityFilters';
