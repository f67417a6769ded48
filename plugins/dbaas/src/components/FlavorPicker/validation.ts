import { ApiHolder } from '@backstage/frontend-plugin-api';
import { FieldValidation } from '@rjsf/utils';
import { dbaasApiRef } from '../../api';
import { FlavorSelection, selectionProblem } from './flavorSelection';

/** Refuses a missing flavor and out-of-bounds storage before the form is submitted. */
export async function validateFlavorSelection(
  selection: FlavorSelection,
  validation: FieldValidation,
  context: { apiHolder: ApiHolder },
) {
  const api = context.apiHolder.get(dbaasApiRef);
  const flavors = api ? await api.listFlavors() : [];
  const problem = selectionProblem(selection, flavors);
  if (problem) validation.addError(problem);
}
