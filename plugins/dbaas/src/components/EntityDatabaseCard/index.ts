export {
  EntityDatabaseCard,
  EntityDatabaseContent,
} from './EntityDatabaseCard';
export {
  isDatabaseEntity,
  showsDatabaseCard,
  DBAAS_INSTANCE_ID_ANNOTATION,
} from './entityFilters';
