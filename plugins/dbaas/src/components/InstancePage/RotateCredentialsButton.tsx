import { Instance } from '@dbaas/plugin-dbaas-common';
import { useApi } from '@backstage/frontend-plugin-api';
import { Button } from '@material-ui/core';
import { useState } from 'react';
import { dbaasApiRef } from '../../api';
import { ConfirmOperationDialog } from './ConfirmOperationDialog';

/**
 * Gives the application user a new password, after confirming; only while the database runs
 * and no other operation is under way (the page shows the progress line meanwhile).
 */
export const RotateCredentialsButton = (props: {
  instance: Instance;
  /** Runs the call, refreshes the page, and shows the Manager's message if it refused. */
  act: (what: string, fn: () => Promise<unknown>) => void;
  /** Called once the rotation is asked for (e.g. to hide a revealed, soon old, password). */
  onRotate?: () => void;
}) => {
  const { instance, act } = props;
  const api = useApi(dbaasApiRef);
  const [asking, setAsking] = useState(false);
  const enabled = instance.status === 'running' && !instance.operation;

  return (
    <>
      <Button size="small" disabled={!enabled} onClick={() => setAsking(true)}>
        Rotate credentials
      </Button>
      <ConfirmOperationDialog
        open={asking}
        title={`Rotate the credentials of ${instance.name}?`}
        confirm="Rotate"
        onClose={() => setAsking(false)}
        onConfirm={() => {
          setAsking(false);
          props.onRotate?.();
          act('rotate the credentials', () =>
            api.rotateCredentials(instance.id),
          );
        }}
      >
        {`${
          instance.endpoint?.user ?? 'The application user'
        } gets a new password. `}
        Applications using the current password will fail to connect until they
        use the new one.
      </ConfirmOperationDialog>
    </>
  );
};
