/**
 * The DBaaS Manager backend plugin.
 *
 * @packageDocumentation
 */
export { dbaasPlugin as default } from './plugin';
export { readDbaasConfig, DbaasConfigError } from './config/readDbaasConfig';
export type { DbaasConfig } from './config/readDbaasConfig';
