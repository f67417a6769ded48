/**
 * Scaffolder actions that provision databases through the DBaaS Manager.
 *
 * @packageDocumentation
 */
export { scaffolderModuleDbaas as default } from './module';
export {
  createDbaasActions,
  createProvisionVmAction,
  createDeployContainerAction,
  createDeleteInstanceAction,
  createRestoreInstanceAction,
  createOperateInstanceAction,
  createUpdateInstanceAction,
  createCreateUserAction,
  createCreateDatabaseAction,
} from './actions';
export type { DbaasActionDeps } from './actions';
export { createManagerClientFactory } from './managerClient';
export type {
  ApplyAt,
  ManagerApi,
  ManagerClientFactory,
  ManagerSession,
} from './managerClient';
