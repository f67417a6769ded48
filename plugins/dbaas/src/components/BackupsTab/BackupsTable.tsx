import { Table, TableColumn } from '@backstage/core-components';
import { Backup } from '@dbaas/plugin-dbaas-common';
import { IconButton, Tooltip, Typography } from '@material-ui/core';
import DeleteIcon from '@material-ui/icons/Delete';
import { age } from '../InstancesTable';
import { BackupStatusChip } from '../StatusChips';
import { formatBytes } from './formatBytes';

/** The instance's backups, newest first, each with a delete action. */
export const BackupsTable = (props: {
  backups: Backup[];
  onDelete: (backup: Backup) => void;
}) => {
  const columns: TableColumn<Backup>[] = [
    {
      title: 'Status',
      field: 'status',
      render: b => (
        <>
          <BackupStatusChip status={b.status} />
          {b.fault && (
            <Typography variant="caption" color="error" display="block">
              {b.fault.code}: {b.fault.message}
            </Typography>
          )}
        </>
      ),
    },
    { title: 'Trigger', field: 'trigger' },
    { title: 'Size', field: 'size', render: b => formatBytes(b.size) },
    {
      title: 'Started',
      field: 'startedAt',
      render: b => (
        <Tooltip title={new Date(b.startedAt).toLocaleString()}>
          <span>{age(b.startedAt)} ago</span>
        </Tooltip>
      ),
    },
    {
      title: 'Restorable from',
      field: 'restorableFrom',
      render: b =>
        b.restorableFrom ? new Date(b.restorableFrom).toLocaleString() : '—',
    },
    {
      title: 'Actions',
      sorting: false,
      render: b => (
        <IconButton
          size="small"
          aria-label={`Delete backup ${b.id}`}
          disabled={b.status === 'running'}
          onClick={() => props.onDelete(b)}
        >
          <DeleteIcon fontSize="small" />
        </IconButton>
      ),
    },
  ];
  return (
    <Table<Backup>
      title="Backups"
      options={{ search: false, paging: false, padding: 'dense' }}
      columns={columns}
      data={props.backups}
      emptyContent={
        <Typography variant="body2" style={{ padding: 16 }}>
          No backups yet.
        </Typography>
      }
    />
  );
};
