import { Instance } from '@dbaas/plugin-dbaas-common';
import { Checkbox, FormControlLabel } from '@material-ui/core';
import { maintenanceWindowText } from './maintenanceText';

/**
 * "At the next maintenance window": offered only when the instance has a window, and nothing
 * waits for it already.
 */
export const NextWindowOption = (props: {
  instance: Instance;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) => {
  const { instance } = props;
  if (!instance.maintenanceWindow || instance.scheduledOperation) return null;
  return (
    <FormControlLabel
      control={
        <Checkbox
          checked={props.checked}
          onChange={e => props.onChange(e.target.checked)}
          color="primary"
        />
      }
      label={`At the next maintenance window (${maintenanceWindowText(
        instance.maintenanceWindow,
      )})`}
    />
  );
};
