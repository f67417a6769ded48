import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/frontend-plugin-api';
import { Backup, Instance } from '@dbaas/plugin-dbaas-common';
import { Box, Button, Grid, Tooltip } from '@material-ui/core';
import { useState } from 'react';
import { dbaasApiRef } from '../../api';
import { useBackups } from '../../hooks/useBackups';
import { apiErrorMessage } from './apiErrorMessage';
import { BackupPolicyPanel } from './BackupPolicyPanel';
import { BackupsTable } from './BackupsTable';
import { DeleteBackupDialog } from './DeleteBackupDialog';
import { RecoveryWindowBar } from './RecoveryWindowBar';
import { RestoreDialog } from './RestoreDialog';

/** An instance's backups: take one now, delete one, see the recovery window, restore. */
export const BackupsTab = ({ instance }: { instance: Instance }) => {
  const api = useApi(dbaasApiRef);
  const alerts = useApi(alertApiRef);
  const { backups, window, error, loading, refresh } = useBackups(instance.id);
  const [deleting, setDeleting] = useState<Backup>();
  const [restoring, setRestoring] = useState(false);
  const [starting, setStarting] = useState(false);

  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;

  const running = instance.status === 'running';
  const backUpNow = async () => {
    setStarting(true);
    try {
      await api.createBackup(instance.id);
      await refresh();
    } catch (e) {
      alerts.post({
        message: `Could not start a backup: ${apiErrorMessage(e)}`,
        severity: 'error',
      });
    } finally {
      setStarting(false);
    }
  };
  const canRestore =
    backups.some(b => b.status === 'completed') ||
    !!(window?.earliest && window.latest);

  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <Box display="flex" style={{ gap: 16 }}>
          <Tooltip
            title={running ? '' : 'Only a running database can be backed up'}
          >
            <span>
              <Button
                variant="contained"
                color="primary"
                disabled={!running || starting}
                onClick={backUpNow}
              >
                Back up now
              </Button>
            </span>
          </Tooltip>
          <Button
            variant="outlined"
            color="primary"
            disabled={!canRestore}
            onClick={() => setRestoring(true)}
          >
            Restore to a new database
          </Button>
        </Box>
      </Grid>
      <Grid item xs={12} md={8}>
        <RecoveryWindowBar window={window} />
      </Grid>
      <Grid item xs={12} md={4}>
        <BackupPolicyPanel instance={instance} />
      </Grid>
      <Grid item xs={12}>
        <BackupsTable backups={backups} onDelete={setDeleting} />
      </Grid>
      <DeleteBackupDialog
        backup={deleting}
        onClose={() => setDeleting(undefined)}
        onConfirm={async b => {
          await api.deleteBackup(b.id);
          await refresh();
        }}
      />
      {restoring && (
        <RestoreDialog
          instance={instance}
          backups={backups}
          window={window}
          open={restoring}
          onClose={() => setRestoring(false)}
        />
      )}
    </Grid>
  );
};
