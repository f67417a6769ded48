import { useApi } from '@backstage/frontend-plugin-api';
import { Flavor, flavorTitle, Instance } from '@dbaas/plugin-dbaas-common';
import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  MenuItem,
  TextField,
} from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import { useState } from 'react';
import { dbaasApiRef } from '../../api';
import { apiErrorMessage } from '../BackupsTab/apiErrorMessage';
import { NextWindowOption } from './NextWindowOption';

/** The flavors an instance may move to: the same engine and version, not its own. */
export function flavorsToChangeTo(
  instance: Instance,
  flavors: Flavor[],
): Flavor[] {
  return flavors.filter(
    f =>
      f.engine === instance.engine &&
      f.version === instance.version &&
      f.id !== instance.flavorId,
  );
}

/**
 * Moves the instance to another flavor of its engine and version: the Manager makes the server
 * again on the same data (a restart) in the background; its refusal shows in the dialog.
 */
export const ChangeFlavorDialog = (props: {
  instance: Instance;
  flavors: Flavor[];
  onClose: () => void;
  onChanged: (instance: Instance) => void;
}) => {
  const { instance } = props;
  const api = useApi(dbaasApiRef);
  const choices = flavorsToChangeTo(instance, props.flavors);
  const [flavorId, setFlavorId] = useState(choices[0]?.id ?? '');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [nextWindow, setNextWindow] = useState(false);
  const applyAt =
    nextWindow && instance.maintenanceWindow
      ? { applyAt: 'next-window' as const }
      : {};

  const change = async () => {
    setBusy(true);
    setError(undefined);
    try {
      props.onChanged(
        await api.updateInstance(instance.id, { flavorId, ...applyAt }),
      );
    } catch (e) {
      setError(apiErrorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open onClose={props.onClose} fullWidth maxWidth="xs">
      <DialogTitle>Change the flavor of {instance.name}</DialogTitle>
      <DialogContent>
        <DialogContentText>
          The server is made again with the new flavor's CPU, memory and tuning,
          on the same data: a short outage, like a restart.
        </DialogContentText>
        {choices.length === 0 ? (
          <Alert severity="info">
            No other flavor runs {instance.engine} {instance.version}.
          </Alert>
        ) : (
          <TextField
            select
            fullWidth
            margin="dense"
            id="change-flavor"
            label="New flavor"
            value={flavorId}
            onChange={e => setFlavorId(e.target.value)}
          >
            {choices.map(f => (
              <MenuItem key={f.id} value={f.id}>
                {flavorTitle(f)} — {f.cpu} CPU, {f.memoryMiB} MiB ({f.id})
              </MenuItem>
            ))}
          </TextField>
        )}
        <NextWindowOption
          instance={instance}
          checked={nextWindow}
          onChange={setNextWindow}
        />
        {error && <Alert severity="error">{error}</Alert>}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          disabled={busy || !flavorId}
          onClick={change}
        >
          Change flavor
        </Button>
      </DialogActions>
    </Dialog>
  );
};
