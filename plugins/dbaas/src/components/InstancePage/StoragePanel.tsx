import { InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { Instance } from '@dbaas/plugin-dbaas-common';
import {
  Box,
  Button,
  LinearProgress,
  Typography,
  makeStyles,
} from '@material-ui/core';
import { Alert, AlertTitle } from '@material-ui/lab';
import { useEffect, useState } from 'react';
import { dbaasApiRef } from '../../api';
import { AutoGrowDialog } from './AutoGrowDialog';
import { ResizeStorageDialog } from './ResizeStorageDialog';
import {
  describeAutoGrow,
  describeUsage,
  storageEditable,
  usageSeverity,
} from './storageText';

const useStyles = makeStyles(theme => ({
  bar: { height: 8, borderRadius: 4 },
  ok: { backgroundColor: theme.palette.primary.main },
  warning: { backgroundColor: theme.palette.warning.main },
  error: { backgroundColor: theme.palette.error.main },
}));

/** The maximum storage of the instance's flavor, once the flavors are read (undefined else). */
function useFlavorMaxGiB(flavorId: string): number | undefined {
  const api = useApi(dbaasApiRef);
  const [max, setMax] = useState<number>();
  useEffect(() => {
    let current = true;
    api
      .listFlavors()
      .then(flavors => {
        const flavor = flavors.find(f => f.id === flavorId);
        if (current) setMax(flavor?.storageGiB.max);
      })
      // without the flavors the dialogs leave the maximum to the Manager
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [api, flavorId]);
  return max;
}

/**
 * How much of its storage the instance uses (a bar in the warning colour from 80 %, in the
 * error colour when full), whether the Manager made it read-only, how it grows by itself, and
 * the actions to resize it and to change auto-grow. The Manager decides who may: like the
 * page's other actions, a refusal shows its message.
 */
export const StoragePanel = (props: {
  instance: Instance;
  /** Reads the instance again after a change. */
  onChanged: () => void;
}) => {
  const { instance } = props;
  const classes = useStyles();
  const flavorMaxGiB = useFlavorMaxGiB(instance.flavorId);
  const [dialog, setDialog] = useState<'resize' | 'auto-grow'>();
  const storage = instance.storage;
  const usage = describeUsage(instance.storageGiB, storage);
  const severity = storage ? usageSeverity(storage) : 'ok';
  const editable = storageEditable(instance);
  const canResize = instance.status === 'running' && !instance.operation;
  const done = () => {
    setDialog(undefined);
    props.onChanged();
  };

  return (
    <InfoCard title="Storage">
      {storage?.readOnly && (
        <Box mb={2}>
          <Alert severity="error">
            <AlertTitle>Read-only: storage is full</AlertTitle>
            The Manager made the database read-only: it takes no writes until
            its storage grows. Resize it, or free space.
          </Alert>
        </Box>
      )}
      {storage?.state === 'warning' && !storage.readOnly && (
        <Box mb={2}>
          <Alert severity="warning">
            Over 80 % used and it cannot grow by itself: resize the storage
            before it is full.
          </Alert>
        </Box>
      )}
      <Typography variant="h6" component="p" data-testid="storage-usage">
        {usage ?? `${instance.storageGiB} GiB`}
      </Typography>
      {storage && storage.usedPercent !== null ? (
        <LinearProgress
          variant="determinate"
          value={Math.min(100, storage.usedPercent)}
          aria-label={`Storage used: ${usage}`}
          data-testid={`storage-bar-${severity}`}
          classes={{ root: classes.bar, bar: classes[severity] }}
        />
      ) : (
        <Typography variant="body2" color="textSecondary">
          {storage
            ? 'Not measured yet: the Manager measures a running database every reconcile.'
            : 'Its use is not known.'}
        </Typography>
      )}
      {storage?.measuredAt && (
        <Typography variant="caption" color="textSecondary">
          measured {new Date(storage.measuredAt).toLocaleString()}
        </Typography>
      )}
      {storage && (
        <Box mt={2}>
          <Typography variant="body2" data-testid="storage-auto-grow">
            Auto-grow: {describeAutoGrow(storage, flavorMaxGiB)}
          </Typography>
        </Box>
      )}
      {editable && (
        <Box display="flex" mt={2} style={{ gap: 8 }}>
          <Button
            variant="outlined"
            color="primary"
            disabled={!canResize}
            title={
              canResize
                ? undefined
                : 'Only a running database with no operation under way'
            }
            onClick={() => setDialog('resize')}
          >
            Resize storage
          </Button>
          {storage && (
            <Button variant="outlined" onClick={() => setDialog('auto-grow')}>
              Auto-grow
            </Button>
          )}
        </Box>
      )}
      {dialog === 'resize' && (
        <ResizeStorageDialog
          instance={instance}
          maxGiB={flavorMaxGiB}
          onClose={() => setDialog(undefined)}
          onResized={done}
        />
      )}
      {dialog === 'auto-grow' && storage && (
        <AutoGrowDialog
          instance={instance}
          storage={storage}
          flavorMaxGiB={flavorMaxGiB}
          onClose={() => setDialog(undefined)}
          onSaved={done}
        />
      )}
    </InfoCard>
  );
};
