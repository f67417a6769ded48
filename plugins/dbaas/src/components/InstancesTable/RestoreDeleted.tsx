import { Progress } from '@backstage/core-components';
import { Instance } from '@dbaas/plugin-dbaas-common';
import { Button } from '@material-ui/core';
import { useState } from 'react';
import { useBackups } from '../../hooks/useBackups';
import { RestoreDialog } from '../BackupsTab/RestoreDialog';

/** The restore dialog once the instance's backups and window are loaded. */
const LoadedRestoreDialog = (props: {
  instance: Instance;
  onClose: () => void;
}) => {
  const { backups, window, loading } = useBackups(props.instance.id);
  if (loading) return <Progress />;
  return (
    <RestoreDialog
      instance={props.instance}
      backups={backups}
      window={window}
      open
      onClose={props.onClose}
    />
  );
};

/** A deleted database's way back: its backups and window, restored into a new database. */
export const RestoreDeleted = ({ instance }: { instance: Instance }) => {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button size="small" color="primary" onClick={() => setOpen(true)}>
        Restore…
      </Button>
      {open && (
        <LoadedRestoreDialog
          instance={instance}
          onClose={() => setOpen(false)}
        />
      )}
    </>
  );
};
