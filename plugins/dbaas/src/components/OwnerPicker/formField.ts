import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import { OwnerPicker } from './OwnerPicker';
import { validateOwner } from './validation';

export const ownerPickerFormField = createFormField({
  name: 'DbaasOwnerPicker',
  component: OwnerPicker,
  validation: validateOwner,
});
