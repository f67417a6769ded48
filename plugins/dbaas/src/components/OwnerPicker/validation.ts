import { ApiHolder, identityApiRef } from '@backstage/frontend-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { FieldValidation } from '@rjsf/utils';
import { loadOwnerChoices, ownerProblem } from './ownerChoices';

/** Refuses a missing owner and one the signed-in user may not pick. */
export async function validateOwner(
  owner: string,
  validation: FieldValidation,
  context: { apiHolder: ApiHolder },
) {
  const identityApi = context.apiHolder.get(identityApiRef);
  const catalogApi = context.apiHolder.get(catalogApiRef);
  if (!owner) {
    validation.addError('Pick an owner');
    return;
  }
  // without these APIs the DBaaS Manager still refuses an owner the user may not pick
  if (!identityApi || !catalogApi) return;
  const problem = ownerProblem(
    owner,
    await loadOwnerChoices({ identityApi, catalogApi }),
  );
  if (problem) validation.addError(problem);
}
