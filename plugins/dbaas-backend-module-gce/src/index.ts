/**
 * The Google Compute Engine runtime of the DBaaS Manager, as a backend module: one VM per
 * database with its own persistent data disk.
 *
 * @packageDocumentation
 */
export { dbaasModuleGceRuntime as default } from './module';
export { createGceRuntime } from './createGceRuntime';
export type { GceClientOptions } from './createGceRuntime';
export { readGceRuntimeConfig, GCE_CONFIG_KEYS } from './config';
export type { GceRuntimeConfig } from './config';
