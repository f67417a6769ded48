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
import { useState } from 'react';

/** Deleting asks to type the database's name. */
export const DeleteDialog = (props: {
  instance: Instance;
  open: boolean;
  onClose: () => void;
  onConfirm: () => void;
}) => {
  const [typed, setTyped] = useState('');
  return (
    <Dialog open={props.open} onClose={props.onClose}>
      <DialogTitle>Delete {props.instance.name}?</DialogTitle>
      <DialogContent>
        <DialogContentText>
          The database, its data and its host are removed for good. Type{' '}
          <b>{props.instance.name}</b> to confirm.
        </DialogContentText>
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
          onClick={props.onConfirm}
        >
          Delete
        </Button>
      </DialogActions>
    </Dialog>
  );
};
