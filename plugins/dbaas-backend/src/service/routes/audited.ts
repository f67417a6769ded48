import { AuditorService } from '@backstage/backend-plugin-api';
import { Instance } from '@dbaas/plugin-dbaas-common';

/** A typed route's request, as the auditor takes it. */
export type AuditedRequest = NonNullable<
  Parameters<AuditorService['createEvent']>[0]['request']
> & { params: { id?: string } };

export type AuditMeta = NonNullable<
  Parameters<Awaited<ReturnType<AuditorService['createEvent']>>['success']>[0]
>['meta'];

/** What an audit record says of an instance an action returned. */
export const withInstance =
  (extra: AuditMeta = {}) =>
  (instance: Instance): AuditMeta => ({
    instanceId: instance.id,
    name: instance.name,
    owner: instance.owner,
    ...extra,
  });

/** Users and services alike: the Manager's access control decides per permission. */
export const anyPrincipal = {
  allow: ['user', 'service'] as Array<'user' | 'service'>,
};

/** Runs an action inside an auditor event: success with what `describe` says of the result, or fail. */
export async function audited<T>(
  auditor: AuditorService,
  req: AuditedRequest,
  eventId: string,
  severityLevel: 'low' | 'medium' | 'high',
  action: () => Promise<T>,
  describe: (result: T) => AuditMeta,
): Promise<T> {
  const audit = await auditor.createEvent({
    eventId,
    severityLevel,
    request: req,
    meta: req.params.id ? { instanceId: req.params.id } : undefined,
  });
  try {
    const result = await action();
    await audit.success({ meta: describe(result) });
    return result;
  } catch (error) {
    await audit.fail({ error: error as Error });
    throw error;
  }
}
