import { useApi } from '@backstage/frontend-plugin-api';
import { BackupPolicy, Instance } from '@dbaas/plugin-dbaas-common';
import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  TextField,
} from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import { useState } from 'react';
import { dbaasApiRef } from '../../api';
import { apiErrorMessage } from './apiErrorMessage';

/** Changes an instance's backup schedule and retention; shows the Manager's refusal. */
export const BackupPolicyDialog = (props: {
  instance: Instance;
  policy: BackupPolicy;
  onClose: () => void;
  onSaved: (policy: BackupPolicy) => void;
}) => {
  const api = useApi(dbaasApiRef);
  const [schedule, setSchedule] = useState(props.policy.schedule ?? '');
  const [days, setDays] = useState(String(props.policy.retentionDays));
  const [count, setCount] = useState(
    props.policy.retentionCount ? String(props.policy.retentionCount) : '',
  );
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const save = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const updated = await api.updateInstance(props.instance.id, {
        backup: {
          schedule: schedule.trim() || null,
          retentionDays: Number(days),
          retentionCount: count.trim() ? Number(count) : null,
        },
      });
      props.onSaved(updated.backup ?? props.policy);
    } catch (e) {
      setError(apiErrorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open onClose={props.onClose} fullWidth maxWidth="sm">
      <DialogTitle>Backups of {props.instance.name}</DialogTitle>
      <DialogContent>
        <TextField
          fullWidth
          margin="dense"
          id="backup-schedule"
          label="Schedule"
          value={schedule}
          onChange={e => setSchedule(e.target.value)}
          helperText="A cron expression in UTC, e.g. 0 3 * * * or @daily; empty: no scheduled backups"
        />
        <TextField
          fullWidth
          margin="dense"
          type="number"
          id="backup-retention-days"
          label="Keep for (days)"
          value={days}
          onChange={e => setDays(e.target.value)}
        />
        <TextField
          fullWidth
          margin="dense"
          type="number"
          id="backup-retention-count"
          label="Keep at most (backups)"
          value={count}
          onChange={e => setCount(e.target.value)}
          helperText="Empty: no limit. The newest backup is always kept"
        />
        {error && <Alert severity="error">{error}</Alert>}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          disabled={busy}
          onClick={save}
        >
          Save
        </Button>
      </DialogActions>
    </Dialog>
  );
};
