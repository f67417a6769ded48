import { Backup } from '@dbaas/plugin-dbaas-common';
import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
} from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import { useState } from 'react';
import { apiErrorMessage } from './apiErrorMessage';

/** Asks before deleting a backup; shows why the Manager refused (a 409 says which rule). */
export const DeleteBackupDialog = (props: {
  backup?: Backup;
  onClose: () => void;
  onConfirm: (backup: Backup) => Promise<void>;
}) => {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const close = () => {
    setError(undefined);
    props.onClose();
  };
  const confirm = async () => {
    if (!props.backup) return;
    setBusy(true);
    setError(undefined);
    try {
      await props.onConfirm(props.backup);
      close();
    } catch (e) {
      setError(apiErrorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={!!props.backup} onClose={close}>
      <DialogTitle>Delete this backup?</DialogTitle>
      <DialogContent>
        <DialogContentText>
          The backup
          {props.backup?.startedAt
            ? ` started ${new Date(props.backup.startedAt).toLocaleString()}`
            : ''}{' '}
          and its copy in the backup store are removed for good.
        </DialogContentText>
        {error && <Alert severity="error">{error}</Alert>}
      </DialogContent>
      <DialogActions>
        <Button onClick={close}>Cancel</Button>
        <Button
          color="secondary"
          variant="contained"
          disabled={busy}
          onClick={confirm}
        >
          Delete backup
        </Button>
      </DialogActions>
    </Dialog>
  );
};
