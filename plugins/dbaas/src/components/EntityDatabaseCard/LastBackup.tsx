import { Progress, StatusOK, StatusWarning } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { Instance } from '@dbaas/plugin-dbaas-common';
import { Tooltip, Typography } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { dbaasApiRef } from '../../api';
import { age } from '../InstancesTable';
import { backupFreshness } from './backupAge';

/**
 * "Last backup: 3h ago" from the newest completed backup, or "No backup yet"; amber (the
 * warning status) when overdue, i.e. older than twice the backup schedule's interval.
 */
export const LastBackup = ({ instance }: { instance: Instance }) => {
  const api = useApi(dbaasApiRef);
  const {
    value: backups,
    loading,
    error,
  } = useAsync(() => api.listBackups(instance.id), [api, instance.id]);
  if (loading) return <Progress />;
  if (error) {
    return (
      <Typography variant="body2" color="textSecondary">
        Backups unavailable
      </Typography>
    );
  }
  const { at, overdue } = backupFreshness(instance, backups ?? []);
  const Status = overdue ? StatusWarning : StatusOK;
  const title = overdue
    ? 'Overdue: older than twice the backup schedule'
    : undefined;
  if (!at) {
    const text = 'No backup yet';
    return overdue ? (
      <Tooltip title={title!}>
        <span>
          <StatusWarning>{text}</StatusWarning>
        </span>
      </Tooltip>
    ) : (
      <Typography variant="body2">{text}</Typography>
    );
  }
  return (
    <Tooltip title={title ?? new Date(at).toLocaleString()}>
      <span>
        <Status>Last backup: {age(at)} ago</Status>
      </span>
    </Tooltip>
  );
};
