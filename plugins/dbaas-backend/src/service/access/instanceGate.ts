import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  BasicPermission,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import { dbaasInstanceReadPermission } from '@dbaas/plugin-dbaas-common';
import {
  InstanceStore,
  StoredInstance,
  toPublicInstance,
} from '../../store/InstanceStore';
import { AccessControl } from './AccessControl';

/**
 * Lets a caller at an instance, or not: an instance the caller may not read does not exist
 * for them (404); one they may read but not act on answers 403 naming the action.
 */
export class InstanceGate {
  constructor(
    private readonly store: InstanceStore,
    private readonly access: AccessControl,
  ) {}

  async load(
    id: string,
    credentials: BackstageCredentials,
    permission: ResourcePermission,
    /** A deleted instance too: its backups outlive it. */
    options: { includeDeleted?: boolean } = {},
  ): Promise<StoredInstance> {
    const instance = await this.store.getInstance(id);
    if (
      !instance ||
      (instance.status === 'deleted' && !options.includeDeleted)
    ) {
      throw new NotFoundError(`No database instance with id ${id}`);
    }
    const resource = toPublicInstance(instance);
    if (!(await this.access.allowsOn(credentials, permission, resource))) {
      if (
        permission === dbaasInstanceReadPermission ||
        !(await this.access.allowsOn(
          credentials,
          dbaasInstanceReadPermission,
          resource,
        ))
      ) {
        throw new NotFoundError(`No database instance with id ${id}`);
      }
      throw new NotAllowedError(
        `You may not ${
          permission.attributes.action ?? permission.name
        } database ${instance.name}`,
      );
    }
    return instance;
  }

  async authorize(
    credentials: BackstageCredentials,
    permission: BasicPermission,
  ) {
    if (!(await this.access.allows(credentials, permission))) {
      throw new NotAllowedError(`You may not ${permission.name}`);
    }
  }
}
