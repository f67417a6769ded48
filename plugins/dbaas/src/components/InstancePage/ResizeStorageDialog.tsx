import { useApi } from '@backstage/frontend-plugin-api';
import { Instance } from '@dbaas/plugin-dbaas-common';
import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  TextField,
} from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import { useState } from 'react';
import { dbaasApiRef } from '../../api';
import { apiErrorMessage } from '../BackupsTab/apiErrorMessage';

/** Why a new size does not fit: only whole GiB, more than now, at most the flavor's maximum. */
export function resizeProblem(
  value: string,
  currentGiB: number,
  maxGiB?: number,
): string | undefined {
  const n = Number(value);
  if (!value.trim() || !Number.isInteger(n)) return 'A whole number of GiB';
  if (n <= currentGiB) return `More than the current ${currentGiB} GiB`;
  if (maxGiB !== undefined && n > maxGiB) {
    return `At most ${maxGiB} GiB, the flavor's maximum`;
  }
  return undefined;
}

/**
 * Grows an instance's storage (never shrinks it): a whole number of GiB from its size + 1 up to
 * its flavor's maximum where the page knows it. The Manager resizes in the background; its
 * refusal (409 while stopped or busy, 400 above the flavor's maximum) shows in the dialog.
 */
export const ResizeStorageDialog = (props: {
  instance: Instance;
  /** The flavor's maximum, when the flavors could be read */
  maxGiB?: number;
  onClose: () => void;
  onResized: (instance: Instance) => void;
}) => {
  const { instance, maxGiB } = props;
  const api = useApi(dbaasApiRef);
  const [value, setValue] = useState(String(instance.storageGiB + 1));
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const problem = resizeProblem(value, instance.storageGiB, maxGiB);

  const resize = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const updated = await api.updateInstance(instance.id, {
        storageGiB: Number(value),
      });
      props.onResized(updated);
    } catch (e) {
      setError(apiErrorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open onClose={props.onClose} fullWidth maxWidth="xs">
      <DialogTitle>Resize the storage of {instance.name}</DialogTitle>
      <DialogContent>
        <DialogContentText>
          Storage only grows. The database keeps running while it grows; a
          database made read-only because its storage was full takes writes
          again.
        </DialogContentText>
        <TextField
          fullWidth
          margin="dense"
          type="number"
          id="resize-storage-gib"
          label="New size (GiB)"
          value={value}
          onChange={e => setValue(e.target.value)}
          inputProps={{ min: instance.storageGiB + 1, max: maxGiB, step: 1 }}
          error={!!problem}
          helperText={
            problem ??
            `Now ${instance.storageGiB} GiB${
              maxGiB !== undefined ? `; at most ${maxGiB} GiB` : ''
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
          onClick={resize}
        >
          Resize
        </Button>
      </DialogActions>
    </Dialog>
  );
};
