/**
 * Types, zod schemas, permissions and the typed API client shared by the DBaaS plugins.
 *
 * @packageDocumentation
 */
export * from './schemas/api';
export * from './schemas/flavor';
export * from './permissions';
export * from './client/DbaasApi';
export * from './client/DbaasClient';
export * from './schemas/instance';
export * from './schemas/backup';
export * from './schemas/databaseObjects';
export * from './config/configBlock';
