import { useApi, useRouteRef } from '@backstage/frontend-plugin-api';
import {
  Backup,
  CreateInstanceRequest,
  Instance,
  RecoveryWindow,
} from '@dbaas/plugin-dbaas-common';
import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControl,
  FormControlLabel,
  FormLabel,
  Radio,
  RadioGroup,
  TextField,
} from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { dbaasApiRef } from '../../api';
import { instanceRouteRef } from '../../routes';
import { apiErrorMessage } from './apiErrorMessage';
import { fromDateTimeLocal, toDateTimeLocal } from './dateTimeLocal';

type Source = 'backup' | 'pointInTime';

/**
 * Restores into a new database (same flavor) from one backup or from a moment inside the
 * recovery window, then opens the new database's page.
 */
export const RestoreDialog = (props: {
  instance: Instance;
  backups: Backup[];
  window?: RecoveryWindow;
  open: boolean;
  onClose: () => void;
}) => {
  const { instance, window } = props;
  const api = useApi(dbaasApiRef);
  const navigate = useNavigate();
  const instancePath = useRouteRef(instanceRouteRef);
  const completed = props.backups.filter(b => b.status === 'completed');
  const hasWindow = !!(window?.earliest && window.latest);

  const [name, setName] = useState(`${instance.name}-restore`);
  const [owner, setOwner] = useState(instance.owner);
  const [source, setSource] = useState<Source>(
    completed.length > 0 || !hasWindow ? 'backup' : 'pointInTime',
  );
  const [backupId, setBackupId] = useState(completed[0]?.id ?? '');
  const [pointInTime, setPointInTime] = useState(
    window?.latest ? toDateTimeLocal(window.latest) : '',
  );
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const restoreFrom = (): CreateInstanceRequest['restoreFrom'] | undefined => {
    if (source === 'backup') return backupId ? { backupId } : undefined;
    const at = fromDateTimeLocal(pointInTime);
    return at ? { instanceId: instance.id, pointInTime: at } : undefined;
  };

  const submit = async () => {
    const from = restoreFrom();
    if (!from) {
      setError(
        source === 'backup'
          ? 'Choose a backup to restore.'
          : 'Choose a moment inside the recovery window.',
      );
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const created = await api.createInstance({
        name,
        owner,
        flavorId: instance.flavorId,
        restoreFrom: from,
      });
      props.onClose();
      navigate(
        instancePath?.({ id: created.id }) ?? `../instances/${created.id}`,
      );
    } catch (e) {
      setError(apiErrorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={props.open} onClose={props.onClose} fullWidth maxWidth="sm">
      <DialogTitle>Restore to a new database</DialogTitle>
      <DialogContent>
        <TextField
          fullWidth
          margin="dense"
          id="dbaas-restore-name"
          label="New database name"
          value={name}
          onChange={e => setName(e.target.value)}
        />
        <FormControl component="fieldset" margin="normal" fullWidth>
          <FormLabel component="legend">Restore from</FormLabel>
          <RadioGroup
            row
            value={source}
            onChange={e => setSource(e.target.value as Source)}
          >
            <FormControlLabel
              value="backup"
              control={<Radio color="primary" />}
              label="A backup"
              disabled={completed.length === 0}
            />
            <FormControlLabel
              value="pointInTime"
              control={<Radio color="primary" />}
              label="A moment in the recovery window"
              disabled={!hasWindow}
            />
          </RadioGroup>
        </FormControl>
        {source === 'backup' ? (
          <TextField
            select
            fullWidth
            margin="dense"
            id="dbaas-restore-backup"
            label="Backup"
            value={backupId}
            onChange={e => setBackupId(e.target.value)}
            SelectProps={{ native: true }}
          >
            {completed.map(b => (
              <option key={b.id} value={b.id}>
                {new Date(b.restorableFrom ?? b.startedAt).toLocaleString()} (
                {b.trigger})
              </option>
            ))}
          </TextField>
        ) : (
          <TextField
            fullWidth
            margin="dense"
            type="datetime-local"
            id="dbaas-restore-point-in-time"
            label="Point in time"
            value={pointInTime}
            onChange={e => setPointInTime(e.target.value)}
            InputLabelProps={{ shrink: true }}
            inputProps={{
              step: 1,
              min: window?.earliest ? toDateTimeLocal(window.earliest) : '',
              max: window?.latest ? toDateTimeLocal(window.latest) : '',
            }}
            helperText={
              hasWindow
                ? `Between ${new Date(
                    window!.earliest!,
                  ).toLocaleString()} and ${new Date(
                    window!.latest!,
                  ).toLocaleString()}`
                : undefined
            }
          />
        )}
        <TextField
          fullWidth
          margin="dense"
          id="dbaas-restore-owner"
          label="Owner"
          value={owner}
          onChange={e => setOwner(e.target.value)}
        />
        {error && <Alert severity="error">{error}</Alert>}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          disabled={busy}
          onClick={submit}
        >
          Restore
        </Button>
      </DialogActions>
    </Dialog>
  );
};
