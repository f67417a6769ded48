import {
  Database,
  DATABASE_USER_ROLES,
  DatabaseUserRole,
} from '@dbaas/plugin-dbaas-common';
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
import { ReactNode, useState } from 'react';
import { apiErrorMessage } from '../BackupsTab/apiErrorMessage';

const NAME = /^[a-z][a-z0-9_]{0,30}$/;

/** Why a name cannot be a user's or a database's; the Manager checks it again. */
export function objectNameProblem(name: string): string | undefined {
  if (!name) return undefined;
  return NAME.test(name)
    ? undefined
    : '1–31 lower-case letters, digits and underscores, starting with a letter';
}

const ROLE_TEXT: Record<DatabaseUserRole, string> = {
  readonly: 'readonly: may read (SELECT)',
  readwrite: 'readwrite: may read and change rows (INSERT, UPDATE, DELETE)',
};

/** The dialog both creates share: fields, the Manager's refusal, Cancel and Create. */
const CreateDialog = (props: {
  title: string;
  text: string;
  children: ReactNode;
  ready: boolean;
  onClose: () => void;
  onCreate: () => Promise<unknown>;
}) => {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const create = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await props.onCreate();
    } catch (e) {
      setError(apiErrorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open onClose={props.onClose} fullWidth maxWidth="xs">
      <DialogTitle>{props.title}</DialogTitle>
      <DialogContent>
        <DialogContentText>{props.text}</DialogContentText>
        {props.children}
        {error && (
          <Alert severity="error" style={{ marginTop: 8 }}>
            {error}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          disabled={busy || !props.ready}
          onClick={create}
        >
          Create
        </Button>
      </DialogActions>
    </Dialog>
  );
};

/** A new database on the server, owned by the application user. */
export const CreateDatabaseDialog = (props: {
  onClose: () => void;
  onCreate: (request: { name: string }) => Promise<unknown>;
}) => {
  const [name, setName] = useState('');
  const problem = objectNameProblem(name);
  return (
    <CreateDialog
      title="Create a database"
      text="Another database on the same server, owned by the application user."
      ready={!!name && !problem}
      onClose={props.onClose}
      onCreate={() => props.onCreate({ name })}
    >
      <TextField
        fullWidth
        margin="dense"
        id="create-database-name"
        label="Database name"
        value={name}
        onChange={e => setName(e.target.value)}
        error={!!problem}
        helperText={problem ?? 'e.g. reporting'}
      />
    </CreateDialog>
  );
};

/** A new user that may read, or read and write, one database; the Manager makes its password. */
export const CreateUserDialog = (props: {
  databases: Database[];
  onClose: () => void;
  onCreate: (request: {
    name: string;
    role: DatabaseUserRole;
    database: string;
  }) => Promise<unknown>;
}) => {
  const usable = props.databases.filter(d => d.status === 'ready');
  const [name, setName] = useState('');
  const [role, setRole] = useState<DatabaseUserRole>('readonly');
  const [database, setDatabase] = useState(
    (usable.find(d => d.application) ?? usable[0])?.name ?? '',
  );
  const problem = objectNameProblem(name);
  return (
    <CreateDialog
      title="Create a user"
      text="The Manager generates its password: reveal it in the users table once the user is ready."
      ready={!!name && !problem && !!database}
      onClose={props.onClose}
      onCreate={() => props.onCreate({ name, role, database })}
    >
      <TextField
        fullWidth
        margin="dense"
        id="create-user-name"
        label="User name"
        value={name}
        onChange={e => setName(e.target.value)}
        error={!!problem}
        helperText={problem ?? 'e.g. reader'}
      />
      <TextField
        select
        fullWidth
        margin="dense"
        id="create-user-role"
        label="Role"
        value={role}
        onChange={e => setRole(e.target.value as DatabaseUserRole)}
      >
        {DATABASE_USER_ROLES.map(r => (
          <MenuItem key={r} value={r}>
            {ROLE_TEXT[r]}
          </MenuItem>
        ))}
      </TextField>
      <TextField
        select
        fullWidth
        margin="dense"
        id="create-user-database"
        label="Database"
        value={database}
        onChange={e => setDatabase(e.target.value)}
      >
        {usable.map(d => (
          <MenuItem key={d.name} value={d.name}>
            {d.name}
            {d.application ? ' (application database)' : ''}
          </MenuItem>
        ))}
      </TextField>
    </CreateDialog>
  );
};
