import { Instance } from '@dbaas/plugin-dbaas-common';
import { useApi } from '@backstage/frontend-plugin-api';
import { Box, Button } from '@material-ui/core';
import { useState } from 'react';
import { dbaasApiRef } from '../../api';
import { ConfirmOperationDialog } from './ConfirmOperationDialog';
import { NextWindowOption } from './NextWindowOption';
import { OperationProgress } from './OperationProgress';

/**
 * Stop and Restart while `running`, Start while `stopped`; none while an operation is under
 * way, which is shown instead. Stop and Restart ask first.
 */
export const OperationButtons = (props: {
  instance: Instance;
  /** Runs the call, refreshes the page, and shows the Manager's message if it refused. */
  act: (what: string, fn: () => Promise<unknown>) => void;
}) => {
  const { instance, act } = props;
  const api = useApi(dbaasApiRef);
  const [asking, setAsking] = useState<'stop' | 'restart'>();
  const [nextWindow, setNextWindow] = useState(false);
  const busy = !!instance.operation;
  const running = instance.status === 'running';
  const stopped = instance.status === 'stopped';
  if (!running && !stopped && !instance.operation) return null;

  const confirm = (type: 'stop' | 'restart') => {
    setAsking(undefined);
    if (type === 'stop') {
      act('stop the database', () => api.stopInstance(instance.id));
    } else if (nextWindow && instance.maintenanceWindow) {
      act('schedule the restart', () =>
        api.restartInstance(instance.id, { applyAt: 'next-window' }),
      );
    } else {
      act('restart the database', () => api.restartInstance(instance.id));
    }
  };

  return (
    <Box mb={2}>
      <Box display="flex" style={{ gap: 8 }}>
        {running && (
          <>
            <Button
              variant="outlined"
              disabled={busy}
              onClick={() => setAsking('stop')}
            >
              Stop
            </Button>
            <Button
              variant="outlined"
              disabled={busy}
              onClick={() => {
                setNextWindow(false);
                setAsking('restart');
              }}
            >
              Restart
            </Button>
          </>
        )}
        {stopped && (
          <Button
            variant="outlined"
            color="primary"
            disabled={busy}
            onClick={() =>
              act('start the database', () => api.startInstance(instance.id))
            }
          >
            Start
          </Button>
        )}
      </Box>
      {instance.operation && (
        <Box mt={1}>
          <OperationProgress operation={instance.operation} />
        </Box>
      )}
      <ConfirmOperationDialog
        open={asking === 'stop'}
        title={`Stop ${instance.name}?`}
        confirm="Stop"
        onClose={() => setAsking(undefined)}
        onConfirm={() => confirm('stop')}
      >
        The database refuses connections until it is started again. It keeps its
        data, and stays stopped until someone starts it.
      </ConfirmOperationDialog>
      <ConfirmOperationDialog
        open={asking === 'restart'}
        title={`Restart ${instance.name}?`}
        confirm="Restart"
        onClose={() => setAsking(undefined)}
        onConfirm={() => confirm('restart')}
        options={
          <NextWindowOption
            instance={instance}
            checked={nextWindow}
            onChange={setNextWindow}
          />
        }
      >
        The database server stops and starts again on the same data: a short
        outage, during which connections are refused or dropped.
      </ConfirmOperationDialog>
    </Box>
  );
};
