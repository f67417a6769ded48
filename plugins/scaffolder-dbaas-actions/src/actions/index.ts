import { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { ManagerClientFactory } from '../managerClient';
import { createCreateUserAction } from './createUser';
import { createCreateDatabaseAction } from './createDatabase';
import { createDeleteInstanceAction } from './deleteInstance';
import { createDeployContainerAction } from './deployContainer';
import { createOperateInstanceAction } from './operateInstance';
import { createProvisionVmAction } from './provisionVm';
import { createRestoreInstanceAction } from './restoreInstance';
import { createUpdateInstanceAction } from './updateInstance';

export interface DbaasActionDeps {
  manager: ManagerClientFactory;
  /** The portal's address, for links to instance pages (`app.baseUrl`). */
  appBaseUrl: string;
}

/** Every `dbaas:*` scaffolder action, built from its injected dependencies. */
export function createDbaasActions(
  deps: DbaasActionDeps,
): TemplateAction<any, any, any>[] {
  return [
    createProvisionVmAction(deps),
    createDeployContainerAction(deps),
    createDeleteInstanceAction(deps),
    createRestoreInstanceAction(deps),
    createOperateInstanceAction(deps),
    createUpdateInstanceAction(deps),
    createCreateUserAction(deps),
    createCreateDatabaseAction(deps),
  ];
}

export {
  createProvisionVmAction,
  createDeployContainerAction,
  createDeleteInstanceAction,
  createRestoreInstanceAction,
  createOperateInstanceAction,
  createUpdateInstanceAction,
  createCreateUserAction,
  createCreateDatabaseAction,
};
