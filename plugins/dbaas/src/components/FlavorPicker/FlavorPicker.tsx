import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import { Flavor } from '@dbaas/plugin-dbaas-common';
import {
  FormControl,
  FormHelperText,
  Grid,
  InputLabel,
  MenuItem,
  Select,
  TextField,
} from '@material-ui/core';
import { useEffect, useMemo } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { dbaasApiRef } from '../../api';
import { runtimeLabel } from './runtimeLabels';
import { FlavorSelection, flavorLabel } from './flavorSelection';

/**
 * Template field `ui:field: DbaasFlavorPicker`: the Manager's flavors with engine, version,
 * cpu, memory and storage bounds; the storage in GiB within the chosen flavor's bounds;
 * and the runtimes that can serve it, defaulting to the Manager's default.
 */
export const FlavorPicker = (
  props: FieldExtensionComponentProps<FlavorSelection>,
) => {
  const { formData, onChange, rawErrors, schema, required } = props;
  const api = useApi(dbaasApiRef);
  const { value, loading, error } = useAsync(
    async () => ({
      flavors: await api.listFlavors(),
      runtimes: await api.listRuntimes(),
    }),
    [api],
  );
  const selection = useMemo(() => formData ?? {}, [formData]);
  const flavor = value?.flavors.find(f => f.id === selection.flavorId);
  const runtimes =
    value?.runtimes.items.filter(
      r => !flavor || r.flavorIds.includes(flavor.id),
    ) ?? [];

  useEffect(() => {
    if (value && !selection.runtime) {
      onChange({ ...selection, runtime: value.runtimes.defaultRuntime });
    }
  }, [value, selection, onChange]);

  if (loading) return <Progress />;
  if (error)
    return (
      <ResponseErrorPanel error={error} title="Could not load the flavors" />
    );

  // the chosen runtime while it serves the flavor, else the default, else the first that does
  const pick = (picked: Flavor) => {
    const serving = value!.runtimes.items
      .filter(r => r.flavorIds.includes(picked.id))
      .map(r => r.name);
    onChange({
      ...selection,
      flavorId: picked.id,
      storageGiB: picked.storageGiB.default,
      runtime:
        [selection.runtime, value!.runtimes.defaultRuntime].find(
          name => name && serving.includes(name),
        ) ?? serving[0],
    });
  };

  return (
    <Grid container spacing={2}>
      <Grid item xs={12}>
        <FormControl
          fullWidth
          required={required}
          error={!!rawErrors?.length && !flavor}
        >
          <InputLabel id="dbaas-flavor-label">
            {schema.title ?? 'Flavor'}
          </InputLabel>
          <Select
            labelId="dbaas-flavor-label"
            id="dbaas-flavor"
            value={selection.flavorId ?? ''}
            onChange={e => {
              const picked = value!.flavors.find(f => f.id === e.target.value);
              if (picked) pick(picked);
            }}
          >
            {value!.flavors.map(f => (
              <MenuItem key={f.id} value={f.id}>
                {flavorLabel(f)}
              </MenuItem>
            ))}
          </Select>
          <FormHelperText>
            {flavor?.description ??
              schema.description ??
              'Engine, version and size'}
          </FormHelperText>
        </FormControl>
      </Grid>
      <Grid item xs={6}>
        <TextField
          id="dbaas-storage"
          label="Storage (GiB)"
          type="number"
          fullWidth
          required
          disabled={!flavor}
          value={selection.storageGiB ?? ''}
          inputProps={{
            min: flavor?.storageGiB.min,
            max: flavor?.storageGiB.max,
            step: 1,
          }}
          helperText={
            flavor
              ? `Between ${flavor.storageGiB.min} and ${
                  flavor.storageGiB.max
                } GiB${
                  flavor.warmPool
                    ? `; at ${flavor.storageGiB.default} GiB it is ready in a moment (warm pool)`
                    : ''
                }`
              : 'Pick a flavor first'
          }
          onChange={e =>
            onChange({
              ...selection,
              storageGiB:
                e.target.value === '' ? undefined : Number(e.target.value),
            })
          }
        />
      </Grid>
      <Grid item xs={6}>
        <FormControl fullWidth>
          <InputLabel id="dbaas-runtime-label">Runtime</InputLabel>
          <Select
            labelId="dbaas-runtime-label"
            id="dbaas-runtime"
            value={selection.runtime ?? ''}
            onChange={e =>
              onChange({ ...selection, runtime: e.target.value as any })
            }
          >
            {runtimes.map(r => (
              <MenuItem key={r.name} value={r.name}>
                {runtimeLabel(
                  r.name,
                  r.name === value!.runtimes.defaultRuntime,
                )}
              </MenuItem>
            ))}
          </Select>
          <FormHelperText>Where the database runs</FormHelperText>
        </FormControl>
      </Grid>
    </Grid>
  );
};
