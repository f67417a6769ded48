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
import { ReactNode, useState } from 'react';
import { apiErrorMessage } from '../BackupsTab/apiErrorMessage';

/**
 * Deleting a database or a user asks to type its name, like deleting the instance. The call's
 * refusal (409 for the application database or one a user still uses) shows in the dialog.
 */
export const TypeToConfirmDialog = (props: {
  title: string;
  /** What is typed to confirm. */
  name: string;
  /** What it is, for the field's label: "database", "user". */
  what: string;
  children: ReactNode;
  onClose: () => void;
  onConfirm: () => Promise<unknown>;
}) => {
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await props.onConfirm();
    } catch (e) {
      setError(apiErrorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open onClose={props.onClose}>
      <DialogTitle>{props.title}</DialogTitle>
      <DialogContent>
        <DialogContentText>
          {props.children} Type <b>{props.name}</b> to confirm.
        </DialogContentText>
        <TextField
          fullWidth
          label={`${props.what[0].toUpperCase()}${props.what.slice(1)} name`}
          value={typed}
          onChange={e => setTyped(e.target.value)}
          inputProps={{
            'aria-label': `Type the ${props.what} name to confirm`,
          }}
        />
        {error && (
          <Alert severity="error" style={{ marginTop: 8 }}>
            {error}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose}>Cancel</Button>
        <Button
          color="secondary"
          variant="contained"
          disabled={busy || typed !== props.name}
          onClick={confirm}
        >
          Delete
        </Button>
      </DialogActions>
    </Dialog>
  );
};
