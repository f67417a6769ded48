/**
 * The DBaaS Manager backend plugin.
 *
 * @packageDocumentation
 */
export { dbaasPlugin as default } from './plugin';
export { readDbaasConfig, DbaasConfigError } from './config/readDbaasConfig';
export type { DbaasConfig } from './config/readDbaasConfig';
export { dbaasRuntimesExtensionPoint } from './extensions';
export type { DbaasRuntimesExtensionPoint } from './extensions';
export {
  dbaasInstanceConditions,
  createDbaasInstanceConditionalDecision,
  dbaasInstanceResourceRef,
} from './permissions/rules';
export * from './runtimes/types';
export { catalogModuleDbaasInstances } from './catalog/module';
export { instanceToEntity } from './catalog/instanceToEntity';
