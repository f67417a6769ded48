import { PendingOperation } from '@dbaas/plugin-dbaas-common';
import { Box, CircularProgress, Typography } from '@material-ui/core';

// a string key: an operation this page does not know yet still shows
const DOING: Record<string, string> = {
  stop: 'Stopping…',
  start: 'Starting…',
  restart: 'Restarting…',
  'rotate-credentials': 'Rotating credentials…',
  'resize-storage': 'Resizing storage…',
  'create-user': 'Creating a user…',
  'delete-user': 'Deleting a user…',
  'create-database': 'Creating a database…',
  'delete-database': 'Deleting a database…',
  'set-parameters': 'Setting parameters…',
  'change-flavor': 'Changing flavor…',
  upgrade: 'Upgrading…',
};

// what an operation on a user or database does to its `target`
const DOING_TO: Record<string, string> = {
  'create-user': 'Creating user',
  'delete-user': 'Deleting user',
  'create-database': 'Creating database',
  'delete-database': 'Deleting database',
  'change-flavor': 'Changing flavor to',
};

/** What the operation does, in words: "Stopping…", "Creating user reader…". */
export function describeOperation(operation: PendingOperation): string {
  if (operation.type === 'resize-storage' && operation.storageGiB) {
    return `Resizing storage to ${operation.storageGiB} GiB…`;
  }
  if (operation.target && DOING_TO[operation.type]) {
    return `${DOING_TO[operation.type]} ${operation.target}…`;
  }
  return DOING[operation.type] ?? `${operation.type}…`;
}

/** The day-2 operation under way: "Stopping… (asked by user:default/alice)". */
export const OperationProgress = ({
  operation,
}: {
  operation: PendingOperation;
}) => (
  <Box display="flex" alignItems="center" style={{ gap: 8 }}>
    <CircularProgress size={14} />
    <Typography variant="body2" color="textSecondary">
      {describeOperation(operation)} (asked by {operation.requestedBy})
    </Typography>
  </Box>
);
