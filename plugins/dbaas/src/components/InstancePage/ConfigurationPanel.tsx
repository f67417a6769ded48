import { InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { Flavor, flavorTitle, Instance } from '@dbaas/plugin-dbaas-common';
import {
  Box,
  Button,
  Table,
  TableBody,
  TableCell,
  TableRow,
  Typography,
} from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import { useEffect, useState } from 'react';
import { dbaasApiRef } from '../../api';
import { ChangeFlavorDialog } from './ChangeFlavorDialog';
import { ConfirmOperationDialog } from './ConfirmOperationDialog';
import { EditParametersDialog } from './EditParametersDialog';
import { MaintenanceWindowDialog } from './MaintenanceWindowDialog';
import {
  maintenanceWindowText,
  scheduledOperationTitle,
  utcText,
} from './maintenanceText';
import { NextWindowOption } from './NextWindowOption';
import { formatParameter } from './parameterRules';

/**
 * The flavor and image the server runs, with Change flavor and, where the flavor has a newer
 * image, Upgrade; and the server parameters set (the rest are the flavor's), with Edit
 * parameters; the maintenance window, with Edit, and the operation waiting for it, with Cancel.
 * A change is refused while another operation is under way or the database is not running.
 */
export const ConfigurationPanel = (props: {
  instance: Instance;
  /** Runs the call, refreshes the page, and shows the Manager's message if it refused. */
  act: (what: string, fn: () => Promise<unknown>) => void;
  /** Reads the instance again after a change. */
  onChanged: () => void;
}) => {
  const { instance, act } = props;
  const api = useApi(dbaasApiRef);
  const [flavors, setFlavors] = useState<Flavor[]>();
  const [open, setOpen] = useState<
    'flavor' | 'parameters' | 'upgrade' | 'maintenance'
  >();
  const [upgradeAtWindow, setUpgradeAtWindow] = useState(false);

  useEffect(() => {
    let current = true;
    api
      .listFlavors()
      .then(items => current && setFlavors(items))
      // without the flavors there is no choice to offer: Change flavor and Upgrade stay hidden
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [api]);

  const flavor = flavors?.find(f => f.id === instance.flavorId);
  const editable = instance.status === 'running' && !instance.operation;
  const canUpgrade = !!flavor && flavor.image !== instance.image;
  const parameters = Object.entries(instance.parameters ?? {});
  const scheduled = instance.scheduledOperation;
  const changed = () => {
    setOpen(undefined);
    props.onChanged();
  };

  if (instance.status === 'deleting' || instance.status === 'deleted') {
    return null;
  }

  return (
    <InfoCard title="Configuration">
      {scheduled && (
        <Box mb={2}>
          <Alert
            severity="info"
            action={
              <Button
                color="inherit"
                size="small"
                onClick={() =>
                  act('cancel the scheduled operation', () =>
                    api.cancelScheduledOperation(instance.id),
                  )
                }
              >
                Cancel
              </Button>
            }
          >
            {scheduledOperationTitle(scheduled)} scheduled for the maintenance
            window opening {utcText(scheduled.nextWindowAt)}
          </Alert>
        </Box>
      )}
      <Typography variant="body2">
        <b>Flavor:</b> {flavor ? `${flavorTitle(flavor)} — ` : ''}
        {instance.flavorId}
        {flavor ? ` (${flavor.cpu} CPU, ${flavor.memoryMiB} MiB)` : ''}
      </Typography>
      <Typography variant="body2" data-testid="instance-image">
        <b>Image:</b> {instance.image ?? '—'}
        {canUpgrade && ` (the flavor now has ${flavor.image})`}
      </Typography>
      <Box display="flex" mt={1} mb={2} style={{ gap: 8 }}>
        <Button
          variant="outlined"
          size="small"
          disabled={!editable || !flavors}
          onClick={() => setOpen('flavor')}
        >
          Change flavor
        </Button>
        {canUpgrade && (
          <Button
            variant="outlined"
            size="small"
            color="primary"
            disabled={!editable}
            onClick={() => {
              setUpgradeAtWindow(false);
              setOpen('upgrade');
            }}
          >
            Upgrade
          </Button>
        )}
      </Box>
      <Typography variant="subtitle2">Server parameters</Typography>
      {parameters.length === 0 ? (
        <Typography variant="body2" color="textSecondary">
          None set: the flavor's defaults.
        </Typography>
      ) : (
        <Table size="small" aria-label="Server parameters">
          <TableBody>
            {parameters.map(([name, value]) => (
              <TableRow key={name}>
                <TableCell style={{ fontFamily: 'monospace' }}>
                  {name}
                </TableCell>
                <TableCell>
                  {formatParameter(instance.engine, name, value)}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <Box mt={1}>
        <Button
          variant="outlined"
          size="small"
          disabled={!editable}
          onClick={() => setOpen('parameters')}
        >
          Edit parameters
        </Button>
      </Box>
      <Box display="flex" alignItems="center" mt={2} style={{ gap: 8 }}>
        <Typography variant="body2" data-testid="maintenance-window">
          <b>Maintenance window:</b>{' '}
          {maintenanceWindowText(instance.maintenanceWindow)}
        </Typography>
        <Button
          variant="outlined"
          size="small"
          disabled={instance.status === 'failed'}
          onClick={() => setOpen('maintenance')}
        >
          Edit
        </Button>
      </Box>
      {open === 'maintenance' && (
        <MaintenanceWindowDialog
          instance={instance}
          onClose={() => setOpen(undefined)}
          onSaved={changed}
        />
      )}
      {open === 'flavor' && flavors && (
        <ChangeFlavorDialog
          instance={instance}
          flavors={flavors}
          onClose={() => setOpen(undefined)}
          onChanged={changed}
        />
      )}
      {open === 'parameters' && (
        <EditParametersDialog
          instance={instance}
          onClose={() => setOpen(undefined)}
          onSaved={changed}
        />
      )}
      <ConfirmOperationDialog
        open={open === 'upgrade'}
        title={`Upgrade ${instance.name}?`}
        confirm="Upgrade"
        onClose={() => setOpen(undefined)}
        onConfirm={() => {
          setOpen(undefined);
          if (upgradeAtWindow && instance.maintenanceWindow) {
            act('schedule the upgrade', () =>
              api.upgradeInstance(instance.id, { applyAt: 'next-window' }),
            );
          } else {
            act('upgrade the database', () => api.upgradeInstance(instance.id));
          }
        }}
        options={
          <NextWindowOption
            instance={instance}
            checked={upgradeAtWindow}
            onChange={setUpgradeAtWindow}
          />
        }
      >
        The server is made again from {flavor?.image} on the same data, after a
        backup where the runtime backs up: a short outage, like a restart.
      </ConfirmOperationDialog>
    </InfoCard>
  );
};
