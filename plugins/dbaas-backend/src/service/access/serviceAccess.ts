import {
  dbaasInstanceReadPermission,
  dbaasPermissions,
} from '@dbaas/plugin-dbaas-common';
import { z } from 'zod';

/**
 * Which service principals (other plugins, static or JWKS tokens) may use which DBaaS
 * permissions. Backstage's permission client allows every service principal without asking
 * the policy, so the Manager decides for them here, before the permission client (which
 * still applies a token's `accessRestrictions`).
 */
export interface ServiceAccessRule {
  /** A principal subject, e.g. `plugin:catalog` or `external:ops-bot`; `*` matches any run of characters. */
  subject: string;
  permissions: string[];
}

/** Every service may read instances (the catalog module lists them); nothing else by default. */
export const DEFAULT_SERVICE_ACCESS: ServiceAccessRule[] = [
  { subject: '*', permissions: [dbaasInstanceReadPermission.name] },
];

const PERMISSION_NAMES = dbaasPermissions.map(p => p.name) as [
  string,
  ...string[],
];

export const serviceAccessSchema = z
  .array(
    z
      .object({
        subject: z
          .string()
          .min(1, 'must name a subject, e.g. external:ops-bot'),
        permissions: z.array(
          z.enum(PERMISSION_NAMES, {
            errorMap: () => ({
              message: `must be one of ${PERMISSION_NAMES.join(', ')}`,
            }),
          }),
        ),
      })
      .strict(),
  )
  .default([]);

export function serviceMayUse(
  rules: ServiceAccessRule[],
  subject: string,
  permissionName: string,
): boolean {
  return [...DEFAULT_SERVICE_ACCESS, ...rules].some(
    rule =>
      subjectPattern(rule.subject).test(subject) &&
      rule.permissions.includes(permissionName),
  );
}

function subjectPattern(pattern: string): RegExp {
  const escaped = pattern
    .split('*')
    .map(part => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`);
}
