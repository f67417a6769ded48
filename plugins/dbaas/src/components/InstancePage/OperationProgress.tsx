import { PendingOperation } from '@dbaas/plugin-dbaas-common';
import { Box, CircularProgress, Typography } from '@material-ui/core';

// a string key: an operation this page does not know yet still shows
const DOING: Record<string, string> = {
  stop: 'Stopping…',
  start: 'Starting…',
  restart: 'Restarting…',
  'rotate-credentials': 'Rotating credentials…',
  'resize-storage': 'Resizing storage…',
};

/** What the operation does, in words: "Stopping…", "Resizing storage to 10 GiB…". */
export function describeOperation(operation: PendingOperation): string {
  if (operation.type === 'resize-storage' && operation.storageGiB) {
    return `Resizing storage to ${operation.storageGiB} GiB…`;
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
