import { AuditorService, HttpAuthService } from '@backstage/backend-plugin-api';
import { ApiRouter as SpecRouter } from '@backstage/backend-openapi-utils';
import { spec } from '../../schema/openapi/generated/router';
import { AdminService } from '../admin/AdminService';
import { InstanceService } from '../InstanceService';
import { BackupService } from '../BackupService';
import { DatabaseObjectsService } from '../DatabaseObjectsService';

/** The router generated from the spec: its routes are typed by it. */
export type ApiRouter = SpecRouter<typeof spec>;

export interface RouteDeps {
  service: InstanceService;
  admin: AdminService;
  httpAuth: HttpAuthService;
  auditor: AuditorService;
  /** None: the backup routes answer 404 (a Manager without a backup store, in tests). */
  backups?: BackupService;
  /** None: the user and database routes answer 404. */
  objects?: DatabaseObjectsService;
}
