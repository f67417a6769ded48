import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import { FlavorPicker } from './FlavorPicker';
import { validateFlavorSelection } from './validation';

export const flavorPickerFormField = createFormField({
  name: 'DbaasFlavorPicker',
  component: FlavorPicker,
  validation: validateFlavorSelection,
});
