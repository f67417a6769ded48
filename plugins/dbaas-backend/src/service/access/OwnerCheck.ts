import {
  AuthService,
  BackstageCredentials,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  Entity,
  parseEntityRef,
  RELATION_MEMBER_OF,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  InputError,
  NotAllowedError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { dbaasInstanceCreateAnyOwnerPermission } from '@dbaas/plugin-dbaas-common';
import { AccessControl } from './AccessControl';
import { principalOf } from './principal';

const OWNER_KINDS = ['user', 'group'];

/**
 * Who may own a new database: an existing User or Group of the catalog, and one the caller
 * acts for (themselves or a group they are a member of), unless the policy grants
 * `dbaas.instance.create.any-owner`.
 */
export class OwnerCheck {
  constructor(
    private readonly deps: {
      catalog: CatalogService;
      auth: AuthService;
      userInfo: UserInfoService;
      access: AccessControl;
    },
  ) {}

  /**
   * The owner's ref as the catalog spells it; 400 when the owner is no User or Group of the
   * catalog, 403 when the caller may not act for it.
   */
  async check(
    owner: string,
    credentials: BackstageCredentials,
  ): Promise<string> {
    const { kind } = parseEntityRef(owner);
    if (!OWNER_KINDS.includes(kind.toLocaleLowerCase('en-US'))) {
      throw new InputError(
        `owner: must be a User or Group of the catalog (got a ${kind}: ${owner})`,
      );
    }
    const entity = await this.entity(owner);
    if (!entity) {
      throw new InputError(
        `owner: ${owner} is not in the catalog; allowed owners are existing users and groups`,
      );
    }
    const canonical = stringifyEntityRef(entity);
    const claims = await this.claimsOf(credentials);
    if (claims.some(c => c.toLocaleLowerCase('en-US') === lower(canonical))) {
      return canonical;
    }
    if (
      await this.deps.access.allows(
        credentials,
        dbaasInstanceCreateAnyOwnerPermission,
      )
    ) {
      return canonical;
    }
    throw new NotAllowedError(
      `owner: you may create databases only for yourself or a group you are a member of (${
        claims.join(', ') || 'none'
      }); ${owner} is not one of them`,
    );
  }

  /** The user and the groups they are a member of, by their token and by the catalog. */
  private async claimsOf(credentials: BackstageCredentials): Promise<string[]> {
    if (principalOf(credentials).type !== 'user') return [];
    const { userEntityRef, ownershipEntityRefs } =
      await this.deps.userInfo.getUserInfo(credentials);
    const user = await this.entity(userEntityRef);
    const groups =
      user?.relations
        ?.filter(r => r.type === RELATION_MEMBER_OF)
        .map(r => r.targetRef) ?? [];
    return [...new Set([userEntityRef, ...ownershipEntityRefs, ...groups])];
  }

  private async entity(ref: string): Promise<Entity | undefined> {
    try {
      return await this.deps.catalog.getEntityByRef(ref, {
        credentials: await this.deps.auth.getOwnServiceCredentials(),
      });
    } catch (error) {
      throw new ServiceUnavailableError(
        `owner: the catalog could not be asked about ${ref} (${
          (error as Error).message
        }); try again`,
      );
    }
  }
}

function lower(ref: string) {
  return ref.toLocaleLowerCase('en-US');
}
