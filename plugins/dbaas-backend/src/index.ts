/**
 * The DBaaS Manager backend plugin.
 *
 * @packageDocumentation
 */
export { dbaasPlugin as default } from './plugin';
export { readDbaasConfig, DbaasConfigError } from './config/readDbaasConfig';
export type { DbaasConfig } from './config/readDbaasConfig';
/** Runtime authors: import these from `@dbaas/plugin-dbaas-node`; re-exported for existing code. */
export { dbaasRuntimesExtensionPoint } from '@dbaas/plugin-dbaas-node';
export type { DbaasRuntimesExtensionPoint } from '@dbaas/plugin-dbaas-node';
export {
  dbaasInstanceConditions,
  createDbaasInstanceConditionalDecision,
  dbaasInstanceResourceRef,
} from './permissions/rules';
export * from '@dbaas/plugin-dbaas-node';
export { catalogModuleDbaasInstances } from './catalog/module';
/** Seals secrets as the Manager stores them: for tools and tests that read its store. */
export { SecretBox } from './crypto/SecretBox';
export { instanceToEntity } from './catalog/instanceToEntity';
