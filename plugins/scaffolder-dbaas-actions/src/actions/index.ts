import { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { ManagerClientFactory } from '../managerClient';

export interface DbaasActionDeps {
  manager: ManagerClientFactory;
}

/** Every `dbaas:*` scaffolder action, built from its injected dependencies. */
export function createDbaasActions(
  _deps: DbaasActionDeps,
): TemplateAction<any, any, any>[] {
  return [];
}
