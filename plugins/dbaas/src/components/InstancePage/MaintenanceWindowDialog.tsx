import { useApi } from '@backstage/frontend-plugin-api';
import { Instance, MaintenanceWindow } from '@dbaas/plugin-dbaas-common';
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
import { MAINTENANCE_DAYS, maintenanceDayText } from './maintenanceText';

/**
 * Sets the instance's maintenance window (a day or every day, the hour it opens in UTC, how long
 * it stays open) or removes it; the Manager's refusal (400 naming the field, 409 when an
 * operation waits for the window) shows in the dialog.
 */
export const MaintenanceWindowDialog = (props: {
  instance: Instance;
  onClose: () => void;
  onSaved: (instance: Instance) => void;
}) => {
  const { instance } = props;
  const api = useApi(dbaasApiRef);
  const current = instance.maintenanceWindow;
  const [day, setDay] = useState<MaintenanceWindow['day']>(
    current?.day ?? 'sunday',
  );
  const [hour, setHour] = useState(current?.hour ?? 3);
  const [durationHours, setDurationHours] = useState(
    current?.durationHours ?? 2,
  );
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const save = async (maintenanceWindow: MaintenanceWindow | null) => {
    setBusy(true);
    setError(undefined);
    try {
      props.onSaved(
        await api.updateInstance(instance.id, { maintenanceWindow }),
      );
    } catch (e) {
      setError(apiErrorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open onClose={props.onClose} fullWidth maxWidth="xs">
      <DialogTitle>Maintenance window of {instance.name}</DialogTitle>
      <DialogContent>
        <DialogContentText>
          Restarts, upgrades, flavor and parameter changes asked for "at the
          next maintenance window" run when it opens.
        </DialogContentText>
        <TextField
          select
          fullWidth
          margin="dense"
          id="maintenance-day"
          label="Day"
          value={day}
          onChange={e => setDay(e.target.value as MaintenanceWindow['day'])}
        >
          {MAINTENANCE_DAYS.map(d => (
            <MenuItem key={d} value={d}>
              {maintenanceDayText(d)}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          select
          fullWidth
          margin="dense"
          id="maintenance-hour"
          label="Opens at (UTC)"
          value={hour}
          onChange={e => setHour(Number(e.target.value))}
        >
          {Array.from({ length: 24 }, (_, h) => (
            <MenuItem key={h} value={h}>
              {`${String(h).padStart(2, '0')}:00`}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          select
          fullWidth
          margin="dense"
          id="maintenance-duration"
          label="Open for"
          value={durationHours}
          onChange={e => setDurationHours(Number(e.target.value))}
        >
          {Array.from({ length: 8 }, (_, i) => i + 1).map(n => (
            <MenuItem key={n} value={n}>
              {n === 1 ? '1 hour' : `${n} hours`}
            </MenuItem>
          ))}
        </TextField>
        {error && <Alert severity="error">{error}</Alert>}
      </DialogContent>
      <DialogActions>
        {current && (
          <Button disabled={busy} onClick={() => save(null)}>
            Remove
          </Button>
        )}
        <Button onClick={props.onClose}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          disabled={busy}
          onClick={() => save({ day, hour, durationHours })}
        >
          Save
        </Button>
      </DialogActions>
    </Dialog>
  );
};
