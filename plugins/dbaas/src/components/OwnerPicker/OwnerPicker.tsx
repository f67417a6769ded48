import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { identityApiRef, useApi } from '@backstage/frontend-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import {
  FormControl,
  FormHelperText,
  InputLabel,
  ListItemText,
  MenuItem,
  Select,
} from '@material-ui/core';
import { useEffect } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { loadOwnerChoices, noChoiceMessage, ownerLabel } from './ownerChoices';

/**
 * Template field `ui:field: DbaasOwnerPicker`: the owners the DBaaS Manager accepts from the
 * signed-in user, namely the groups they are a member of and themselves, by display name and
 * ref. Defaults to the first group, else the user; the value is the entity ref.
 */
export const OwnerPicker = (props: FieldExtensionComponentProps<string>) => {
  const { formData, onChange, rawErrors, schema, required, idSchema } = props;
  const identityApi = useApi(identityApiRef);
  const catalogApi = useApi(catalogApiRef);
  const { value, loading, error } = useAsync(
    () => loadOwnerChoices({ identityApi, catalogApi }),
    [identityApi, catalogApi],
  );

  useEffect(() => {
    if (value?.choices.length && !formData) {
      onChange(value.choices[0].ref);
    }
  }, [value, formData, onChange]);

  if (loading) return <Progress />;
  if (error) {
    return (
      <ResponseErrorPanel error={error} title="Could not load your groups" />
    );
  }

  const { choices, userEntityRef } = value!;
  const id = idSchema?.$id ?? 'dbaas-owner';
  const picked = choices.find(c => c.ref === formData);
  const title = schema.title ?? 'Owner';

  if (!choices.length) {
    return (
      <FormControl fullWidth required={required} error>
        <InputLabel shrink>{title}</InputLabel>
        <FormHelperText style={{ marginTop: 24 }}>
          {noChoiceMessage(userEntityRef)}
        </FormHelperText>
      </FormControl>
    );
  }

  return (
    <FormControl
      fullWidth
      required={required}
      error={!!rawErrors?.length && !picked}
    >
      <InputLabel id={`${id}-label`}>{title}</InputLabel>
      <Select
        labelId={`${id}-label`}
        id={id}
        value={picked ? picked.ref : ''}
        renderValue={ref => {
          const choice = choices.find(c => c.ref === ref);
          return choice ? ownerLabel(choice) : String(ref);
        }}
        onChange={e => onChange(String(e.target.value))}
        // the list opens below the field, leaving the picked owner in view
        MenuProps={{
          getContentAnchorEl: null,
          anchorOrigin: { vertical: 'bottom', horizontal: 'left' },
          transformOrigin: { vertical: 'top', horizontal: 'left' },
        }}
      >
        {choices.map(c => (
          <MenuItem key={c.ref} value={c.ref}>
            <ListItemText
              primary={c.kind === 'user' ? `${c.title} (you)` : c.title}
              secondary={c.ref}
            />
          </MenuItem>
        ))}
      </Select>
      <FormHelperText>
        {schema.description ??
          'You, or a group you are a member of: it owns the database'}
      </FormHelperText>
    </FormControl>
  );
};
