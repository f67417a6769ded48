import { Instance } from '@dbaas/plugin-dbaas-common';
import {
  Button,
  Checkbox,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  FormControlLabel,
  TextField,
} from '@material-ui/core';
import { useState } from 'react';

/** Deleting asks to type the database's name. */
export const DeleteDialog = (props: {
  instance: Instance;
  open: boolean;
  onClose: () => void;
  /** With whether the user chose to go without the final backup. */
  onConfirm: (options: { skipFinalBackup: boolean }) => void;
}) => {
  const [typed, setTyped] = useState('');
  const [skipFinalBackup, setSkipFinalBackup] = useState(false);
  const backedUp =
    props.instance.status === 'running' && !!props.instance.backup;
  return (
    <Dialog open={props.open} onClose={props.onClose}>
      <DialogTitle>Delete {props.instance.name}?</DialogTitle>
      <DialogContent>
        <DialogContentText>
          The database, its data and its host are removed
          {backedUp && !skipFinalBackup
            ? ' after a final backup, which is kept with its other backups for their retention period: you can restore it from the Backups tab'
            : ' for good'}
          . Type <b>{props.instance.name}</b> to confirm.
        </DialogContentText>
        {backedUp && (
          <FormControlLabel
            control={
              <Checkbox
                checked={skipFinalBackup}
                onChange={e => setSkipFinalBackup(e.target.checked)}
              />
            }
            label="Delete without a final backup"
          />
        )}
        <TextField
          fullWidth
          label="Database name"
          value={typed}
          onChange={e => setTyped(e.target.value)}
          inputProps={{ 'aria-label': 'Type the database name to confirm' }}
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose}>Cancel</Button>
        <Button
          color="secondary"
          variant="contained"
          disabled={typed !== props.instance.name}
          onClick={() => props.onConfirm({ skipFinalBackup })}
        >
          Delete
        </Button>
      </DialogActions>
    </Dialog>
  );
};
