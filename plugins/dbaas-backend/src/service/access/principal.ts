import { BackstageCredentials } from '@backstage/backend-plugin-api';

/** The fields of a user or service principal that the Manager reads. */
export interface PrincipalInfo {
  type: string;
  userEntityRef?: string;
  subject?: string;
}

export function principalOf(credentials: BackstageCredentials): PrincipalInfo {
  return credentials.principal as PrincipalInfo;
}

/** Who acted, for events and audit: the user's entity ref or the service's subject. */
export function actorOf(credentials: BackstageCredentials): string {
  const p = principalOf(credentials);
  return p.userEntityRef ?? p.subject ?? p.type;
}
