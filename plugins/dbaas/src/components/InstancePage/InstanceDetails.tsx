import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
  StructuredMetadataTable,
  WarningPanel,
} from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/frontend-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import {
  Box,
  Button,
  FormControlLabel,
  Grid,
  Switch,
  Tab,
  Tabs,
  Typography,
} from '@material-ui/core';
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { dbaasApiRef } from '../../api';
import { useInstance } from '../../hooks/useInstance';
import { BackupsTab } from '../BackupsTab';
import { apiErrorMessage } from '../BackupsTab/apiErrorMessage';
import { HealthChip, LifecycleStatusChip } from '../StatusChips';
import { ConnectionPanel } from './ConnectionPanel';
import { DeleteDialog } from './DeleteDialog';
import { EventTimeline } from './EventTimeline';
import { LogsTab } from './LogsTab';
import { MetricsTab } from './MetricsTab';
import { OperationButtons } from './OperationButtons';
import { StoragePanel } from './StoragePanel';
import { ConfigurationPanel } from './ConfigurationPanel';
import { UsersDatabasesTab } from './UsersDatabasesTab';

const TABS = ['overview', 'users', 'metrics', 'logs', 'backups'] as const;
type InstanceTab = (typeof TABS)[number];

/**
 * Everything about one instance: status, connection, storage, configuration (flavor, image,
 * server parameters), timeline and actions on the Overview tab; its databases and users on the
 * Users & databases tab (`?tab=users`); what the Manager sampled of it on the Metrics tab
 * (`?tab=metrics`), its server's log on the Logs tab (`?tab=logs`), its backups and restores on
 * the Backups tab (`?tab=backups`).
 */
export const InstanceDetails = ({ id }: { id: string }) => {
  const api = useApi(dbaasApiRef);
  const alerts = useApi(alertApiRef);
  const { instance, events, gone, error, loading, refresh } = useInstance(id);
  const [deleting, setDeleting] = useState(false);
  const [searchParams, setSearchParams] = useSearchParams();
  const tab: InstanceTab =
    TABS.find(t => t === searchParams.get('tab')) ?? 'overview';

  if (loading) return <Progress />;
  if (gone) {
    return (
      <WarningPanel
        severity="info"
        title="This database does not exist"
        message="It was deleted, or you may not see it."
      />
    );
  }
  if (error || !instance) {
    return <ResponseErrorPanel error={error ?? new Error('No instance')} />;
  }

  const act = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      await refresh();
    } catch (e) {
      alerts.post({
        message: `Could not ${what}: ${apiErrorMessage(e)}`,
        severity: 'error',
      });
    }
  };

  return (
    <Grid container spacing={3}>
      {instance.fault && (
        <Grid item xs={12}>
          <WarningPanel
            severity="error"
            title={`Failed${
              // no phase: the server of a running database could not be started again
              instance.fault.phase ? ` in ${instance.fault.phase}` : ''
            }: ${instance.fault.code}`}
            message={instance.fault.message}
          />
        </Grid>
      )}
      <Grid item xs={12}>
        <Tabs
          value={tab}
          onChange={(_e, value: InstanceTab) =>
            setSearchParams(value === 'overview' ? {} : { tab: value }, {
              replace: true,
            })
          }
          indicatorColor="primary"
          textColor="primary"
        >
          <Tab label="Overview" value="overview" />
          <Tab label="Users & databases" value="users" />
          <Tab label="Metrics" value="metrics" />
          <Tab label="Logs" value="logs" />
          <Tab label="Backups" value="backups" />
        </Tabs>
      </Grid>
      {tab === 'users' && (
        <Grid item xs={12}>
          <UsersDatabasesTab instance={instance} onChanged={refresh} />
        </Grid>
      )}
      {tab === 'metrics' && (
        <Grid item xs={12}>
          <MetricsTab instance={instance} />
        </Grid>
      )}
      {tab === 'logs' && (
        <Grid item xs={12}>
          <LogsTab instance={instance} />
        </Grid>
      )}
      {tab === 'backups' && (
        <Grid item xs={12}>
          <BackupsTab instance={instance} />
        </Grid>
      )}
      {tab === 'overview' && (
        <>
          <Grid item xs={12} md={6}>
            <InfoCard
              title={instance.name}
              subheader={`${instance.engine} ${instance.version}`}
            >
              <Box display="flex" mb={2} style={{ gap: 24 }}>
                <Typography component="span">
                  Status: <LifecycleStatusChip status={instance.status} />
                  {instance.phase ? ` (${instance.phase})` : ''}
                </Typography>
                <Typography component="span">
                  Health:{' '}
                  <HealthChip
                    health={instance.health}
                    status={instance.status}
                  />
                </Typography>
              </Box>
              <OperationButtons instance={instance} act={act} />
              <StructuredMetadataTable
                metadata={{
                  id: instance.id,
                  owner: (
                    <EntityRefLink
                      entityRef={instance.owner}
                      defaultKind="group"
                    />
                  ),
                  serves: instance.component ? (
                    <EntityRefLink entityRef={instance.component} />
                  ) : (
                    '—'
                  ),
                  flavor: instance.flavorId,
                  runtime: instance.runtime,
                  storage: `${instance.storageGiB} GiB`,
                  'created by': instance.createdBy,
                  created: new Date(instance.createdAt).toLocaleString(),
                  ready: instance.readyAt
                    ? new Date(instance.readyAt).toLocaleString()
                    : '—',
                }}
              />
              <Box
                display="flex"
                alignItems="center"
                justifyContent="space-between"
                mt={2}
              >
                <FormControlLabel
                  control={
                    <Switch
                      checked={instance.deletionProtection}
                      onChange={(_e, checked) =>
                        act('change deletion protection', () =>
                          api.updateInstance(instance.id, {
                            deletionProtection: checked,
                          }),
                        )
                      }
                      color="primary"
                    />
                  }
                  label="Deletion protection"
                />
                <Button
                  variant="outlined"
                  color="secondary"
                  disabled={
                    instance.deletionProtection ||
                    instance.status === 'deleting'
                  }
                  onClick={() => setDeleting(true)}
                >
                  Delete
                </Button>
              </Box>
            </InfoCard>
          </Grid>
          <Grid item xs={12} md={6}>
            <ConnectionPanel instance={instance} act={act} />
            <Box mt={3}>
              <StoragePanel instance={instance} onChanged={refresh} />
            </Box>
            <Box mt={3}>
              <ConfigurationPanel
                instance={instance}
                act={act}
                onChanged={refresh}
              />
            </Box>
          </Grid>
          <Grid item xs={12}>
            <EventTimeline events={events} />
          </Grid>
        </>
      )}
      <DeleteDialog
        instance={instance}
        open={deleting}
        onClose={() => setDeleting(false)}
        onConfirm={({ skipFinalBackup }) => {
          setDeleting(false);
          act('delete the database', () =>
            api.deleteInstance(instance.id, { skipFinalBackup }),
          );
        }}
      />
    </Grid>
  );
};
