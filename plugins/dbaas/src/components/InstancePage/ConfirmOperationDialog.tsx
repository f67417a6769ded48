import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
} from '@material-ui/core';
import { ReactNode } from 'react';

/** Asks before an operation that interrupts the database (stop, restart). */
export const ConfirmOperationDialog = (props: {
  open: boolean;
  title: string;
  children: ReactNode;
  /** Choices shown under the text, such as "at the next maintenance window". */
  options?: ReactNode;
  /** The label of the confirming button. */
  confirm: string;
  onClose: () => void;
  onConfirm: () => void;
}) => (
  <Dialog open={props.open} onClose={props.onClose}>
    <DialogTitle>{props.title}</DialogTitle>
    <DialogContent>
      <DialogContentText>{props.children}</DialogContentText>
      {props.options}
    </DialogContent>
    <DialogActions>
      <Button onClick={props.onClose}>Cancel</Button>
      <Button color="primary" variant="contained" onClick={props.onConfirm}>
        {props.confirm}
      </Button>
    </DialogActions>
  </Dialog>
);
