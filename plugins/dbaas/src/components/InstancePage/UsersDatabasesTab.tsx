import {
  CopyTextButton,
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  Credentials,
  Database,
  DatabaseUser,
  Instance,
} from '@dbaas/plugin-dbaas-common';
import {
  Box,
  Button,
  Chip,
  Grid,
  IconButton,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Tooltip,
  Typography,
} from '@material-ui/core';
import DeleteIcon from '@material-ui/icons/Delete';
import { Alert } from '@material-ui/lab';
import { useCallback, useEffect, useState } from 'react';
import { dbaasApiRef } from '../../api';
import { CreateDatabaseDialog, CreateUserDialog } from './CreateObjectDialogs';
import { TypeToConfirmDialog } from './TypeToConfirmDialog';

const BUSY_POLL_MS = 2000;

/** The instance's databases and users, read again every 2 s while one is being made or removed. */
function useDatabaseObjects(instance: Instance) {
  const api = useApi(dbaasApiRef);
  const [state, setState] = useState<{
    databases: Database[];
    users: DatabaseUser[];
    error?: Error;
    loading: boolean;
  }>({ databases: [], users: [], loading: true });

  const refresh = useCallback(async () => {
    try {
      const [databases, users] = await Promise.all([
        api.listDatabases(instance.id),
        api.listDatabaseUsers(instance.id),
      ]);
      setState({ databases, users, loading: false });
    } catch (error) {
      setState(s => ({ ...s, error: error as Error, loading: false }));
    }
  }, [api, instance.id]);

  // again when the instance's operation ends: it may have made or removed one
  const operation = instance.operation?.type;
  useEffect(() => {
    refresh();
  }, [refresh, operation]);

  const busy = [...state.databases, ...state.users].some(
    o => o.status !== 'ready',
  );
  useEffect(() => {
    if (!busy) return undefined;
    const timer = setInterval(refresh, BUSY_POLL_MS);
    return () => clearInterval(timer);
  }, [refresh, busy]);

  return { ...state, refresh };
}

/**
 * A user's password, read only on Reveal (its own permission, audited, like the instance's),
 * with a copy-ready connection URI.
 */
const UserSecret = (props: { instance: Instance; user: DatabaseUser }) => {
  const api = useApi(dbaasApiRef);
  const [credentials, setCredentials] = useState<Credentials>();
  const [error, setError] = useState<string>();

  const reveal = async () => {
    setError(undefined);
    try {
      setCredentials(
        await api.getDatabaseUserCredentials(
          props.instance.id,
          props.user.name,
        ),
      );
    } catch (e) {
      setError(
        e instanceof ResponseError && e.statusCode === 403
          ? "You may not read this user's password: ask one of the database's owners."
          : `Could not read the password: ${(e as Error).message}`,
      );
    }
  };

  if (props.user.status !== 'ready') {
    return <Typography variant="body2">—</Typography>;
  }
  if (!credentials) {
    return (
      <>
        <Box display="flex" alignItems="center">
          <Typography variant="body2" style={{ fontFamily: 'monospace' }}>
            ••••••••
          </Typography>
          <Button
            size="small"
            color="primary"
            onClick={reveal}
            aria-label={`Reveal the password of ${props.user.name}`}
          >
            Reveal
          </Button>
        </Box>
        {error && <Alert severity="error">{error}</Alert>}
      </>
    );
  }
  return (
    <>
      <Box display="flex" alignItems="center">
        <Typography
          variant="body2"
          style={{ fontFamily: 'monospace', wordBreak: 'break-all' }}
          data-testid={`password-${props.user.name}`}
        >
          {credentials.password}
        </Typography>
        <CopyTextButton text={credentials.password} />
        <Button size="small" onClick={() => setCredentials(undefined)}>
          Hide
        </Button>
      </Box>
      <Box display="flex" alignItems="center">
        <Typography
          variant="caption"
          style={{ fontFamily: 'monospace', wordBreak: 'break-all' }}
          data-testid={`uri-${props.user.name}`}
        >
          {credentials.uri}
        </Typography>
        <CopyTextButton text={credentials.uri} />
      </Box>
    </>
  );
};

const StatusText = ({ status }: { status: Database['status'] }) => (
  <Typography
    variant="body2"
    color={status === 'ready' ? 'textPrimary' : 'textSecondary'}
  >
    {status === 'ready' ? 'ready' : `${status}…`}
  </Typography>
);

/**
 * The databases on the instance's server (the application database marked, the others with
 * Delete) and the users made besides the application user, each with its password behind
 * Reveal. Creating and deleting are background operations of the instance, one at a time; the
 * Manager's refusals show in the dialogs.
 */
export const UsersDatabasesTab = (props: {
  instance: Instance;
  /** Reads the instance again after a change (its operation shows on the Overview). */
  onChanged: () => void;
}) => {
  const { instance } = props;
  const api = useApi(dbaasApiRef);
  const { databases, users, error, loading, refresh } =
    useDatabaseObjects(instance);
  const [dialog, setDialog] = useState<
    | { kind: 'create-database' }
    | { kind: 'create-user' }
    | { kind: 'delete-database'; name: string }
    | { kind: 'delete-user'; name: string }
  >();

  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;

  const running = instance.status === 'running';
  const done = async () => {
    setDialog(undefined);
    props.onChanged();
    await refresh();
  };

  return (
    <Grid container spacing={3}>
      {!running && (
        <Grid item xs={12}>
          <Alert severity="info">
            Users and databases can be created and deleted while the database is
            running.
          </Alert>
        </Grid>
      )}
      {instance.operation && (
        <Grid item xs={12}>
          <Alert severity="info">
            An operation is under way ({instance.operation.type}): the next
            change can be made once it is done.
          </Alert>
        </Grid>
      )}
      <Grid item xs={12} md={5}>
        <InfoCard title="Databases">
          <Table size="small" aria-label="Databases">
            <TableHead>
              <TableRow>
                <TableCell>Name</TableCell>
                <TableCell>Status</TableCell>
                <TableCell />
              </TableRow>
            </TableHead>
            <TableBody>
              {databases.map(d => (
                <TableRow key={d.name}>
                  <TableCell>
                    <span style={{ fontFamily: 'monospace' }}>{d.name}</span>{' '}
                    {d.application && <Chip size="small" label="application" />}
                  </TableCell>
                  <TableCell>
                    <StatusText status={d.status} />
                  </TableCell>
                  <TableCell align="right">
                    {!d.application && (
                      <Tooltip title={`Delete database ${d.name}`}>
                        <span>
                          <IconButton
                            size="small"
                            aria-label={`Delete database ${d.name}`}
                            disabled={!running || d.status !== 'ready'}
                            onClick={() =>
                              setDialog({
                                kind: 'delete-database',
                                name: d.name,
                              })
                            }
                          >
                            <DeleteIcon fontSize="small" />
                          </IconButton>
                        </span>
                      </Tooltip>
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          <Box mt={2}>
            <Button
              variant="outlined"
              color="primary"
              disabled={!running}
              onClick={() => setDialog({ kind: 'create-database' })}
            >
              Create database
            </Button>
          </Box>
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={7}>
        <InfoCard title="Users">
          {users.length === 0 ? (
            <Typography variant="body2">
              Only the application user ({instance.endpoint?.user ?? '—'}, on
              the Connection card). Create users that may read, or read and
              write, one database.
            </Typography>
          ) : (
            <Table size="small" aria-label="Users">
              <TableHead>
                <TableRow>
                  <TableCell>Name</TableCell>
                  <TableCell>Role</TableCell>
                  <TableCell>Database</TableCell>
                  <TableCell>Status</TableCell>
                  <TableCell>Password</TableCell>
                  <TableCell />
                </TableRow>
              </TableHead>
              <TableBody>
                {users.map(u => (
                  <TableRow key={u.name}>
                    <TableCell style={{ fontFamily: 'monospace' }}>
                      {u.name}
                    </TableCell>
                    <TableCell>{u.role}</TableCell>
                    <TableCell style={{ fontFamily: 'monospace' }}>
                      {u.database}
                    </TableCell>
                    <TableCell>
                      <StatusText status={u.status} />
                    </TableCell>
                    <TableCell>
                      <UserSecret instance={instance} user={u} />
                    </TableCell>
                    <TableCell align="right">
                      <Tooltip title={`Delete user ${u.name}`}>
                        <span>
                          <IconButton
                            size="small"
                            aria-label={`Delete user ${u.name}`}
                            disabled={!running || u.status !== 'ready'}
                            onClick={() =>
                              setDialog({ kind: 'delete-user', name: u.name })
                            }
                          >
                            <DeleteIcon fontSize="small" />
                          </IconButton>
                        </span>
                      </Tooltip>
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
          <Box mt={2}>
            <Button
              variant="outlined"
              color="primary"
              disabled={!running}
              onClick={() => setDialog({ kind: 'create-user' })}
            >
              Create user
            </Button>
          </Box>
        </InfoCard>
      </Grid>
      {dialog?.kind === 'create-database' && (
        <CreateDatabaseDialog
          onClose={() => setDialog(undefined)}
          onCreate={async request => {
            await api.createDatabase(instance.id, request);
            await done();
          }}
        />
      )}
      {dialog?.kind === 'create-user' && (
        <CreateUserDialog
          databases={databases}
          onClose={() => setDialog(undefined)}
          onCreate={async request => {
            await api.createDatabaseUser(instance.id, request);
            await done();
          }}
        />
      )}
      {dialog?.kind === 'delete-database' && (
        <TypeToConfirmDialog
          title={`Delete database ${dialog.name}?`}
          name={dialog.name}
          what="database"
          onClose={() => setDialog(undefined)}
          onConfirm={async () => {
            await api.deleteDatabase(instance.id, dialog.name);
            await done();
          }}
        >
          The database and its data are removed for good (backups of the
          instance keep them).
        </TypeToConfirmDialog>
      )}
      {dialog?.kind === 'delete-user' && (
        <TypeToConfirmDialog
          title={`Delete user ${dialog.name}?`}
          name={dialog.name}
          what="user"
          onClose={() => setDialog(undefined)}
          onConfirm={async () => {
            await api.deleteDatabaseUser(instance.id, dialog.name);
            await done();
          }}
        >
          The user's sessions end and it can no longer connect.
        </TypeToConfirmDialog>
      )}
    </Grid>
  );
};
