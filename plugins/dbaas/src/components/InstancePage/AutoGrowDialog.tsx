import { useApi } from '@backstage/frontend-plugin-api';
import { Instance, InstanceStorage } from '@dbaas/plugin-dbaas-common';
import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  FormControlLabel,
  Switch,
  TextField,
} from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import { useState } from 'react';
import { dbaasApiRef } from '../../api';
import { apiErrorMessage } from '../BackupsTab/apiErrorMessage';

/**
 * Turns auto-grow on or off and sets how far it may grow (empty: the flavor's maximum); the
 * Manager's refusal (a maximum out of bounds names `storage.maxGiB`) shows in the dialog.
 */
export const AutoGrowDialog = (props: {
  instance: Instance;
  storage: InstanceStorage;
  /** The flavor's maximum, when the flavors could be read */
  flavorMaxGiB?: number;
  onClose: () => void;
  onSaved: (instance: Instance) => void;
}) => {
  const { instance, storage, flavorMaxGiB } = props;
  const api = useApi(dbaasApiRef);
  const [autoGrow, setAutoGrow] = useState(storage.autoGrow);
  const [max, setMax] = useState(
    storage.maxGiB === null ? '' : String(storage.maxGiB),
  );
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const n = Number(max);
  const outOfBounds =
    !Number.isInteger(n) ||
    n < instance.storageGiB ||
    (flavorMaxGiB !== undefined && n > flavorMaxGiB);
  const problem =
    max.trim() !== '' && outOfBounds
      ? `A whole number of GiB from ${instance.storageGiB}${
          flavorMaxGiB !== undefined ? ` to ${flavorMaxGiB}` : ''
        }`
      : undefined;

  const save = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const updated = await api.updateInstance(instance.id, {
        storage: { autoGrow, maxGiB: max.trim() === '' ? null : n },
      });
      props.onSaved(updated);
    } catch (e) {
      setError(apiErrorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open onClose={props.onClose} fullWidth maxWidth="xs">
      <DialogTitle>Auto-grow of {instance.name}</DialogTitle>
      <DialogContent>
        <DialogContentText>
          Once 80 % of the storage is used, the Manager grows it by 10 % (at
          least 1 GiB), up to the maximum below, the flavor's maximum and the
          owner's quota, and tells the owners.
        </DialogContentText>
        <FormControlLabel
          control={
            <Switch
              checked={autoGrow}
              onChange={(_e, checked) => setAutoGrow(checked)}
              color="primary"
            />
          }
          label="Grow storage automatically"
        />
        <TextField
          fullWidth
          margin="dense"
          type="number"
          id="auto-grow-max-gib"
          label="Grow up to (GiB)"
          value={max}
          onChange={e => setMax(e.target.value)}
          inputProps={{ min: instance.storageGiB, max: flavorMaxGiB, step: 1 }}
          error={!!problem}
          helperText={
            problem ??
            `Empty: the flavor's maximum${
              flavorMaxGiB !== undefined ? ` (${flavorMaxGiB} GiB)` : ''
            }`
          }
        />
        {error && <Alert severity="error">{error}</Alert>}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          disabled={busy || !!problem}
          onClick={save}
        >
          Save
        </Button>
      </DialogActions>
    </Dialog>
  );
};
