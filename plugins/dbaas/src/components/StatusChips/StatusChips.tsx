import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  StatusWarning,
} from '@backstage/core-components';
import {
  BackupStatus,
  HealthState,
  LifecycleStatus,
} from '@dbaas/plugin-dbaas-common';
import { StatusStopped } from './StatusStopped';

const STATUS = {
  provisioning: StatusRunning,
  running: StatusOK,
  // its server is being started again (after a host restart): busy, like provisioning
  recovering: StatusRunning,
  // stopped on purpose, until someone starts it: neutral, not an error
  stopped: StatusStopped,
  deleting: StatusPending,
  deleted: StatusAborted,
  failed: StatusError,
} as const;

const HEALTH = {
  healthy: StatusOK,
  starting: StatusPending,
  unhealthy: StatusError,
  unknown: StatusWarning,
} as const;

const BACKUP = {
  running: StatusRunning,
  completed: StatusOK,
  failed: StatusError,
} as const;

export const LifecycleStatusChip = ({
  status,
}: {
  status: LifecycleStatus;
}) => {
  const Icon = STATUS[status];
  return <Icon>{status}</Icon>;
};

/**
 * The health the Manager last saw; with the lifecycle `status` given, a stopped database shows a
 * neutral "—" (nothing is checked while it is stopped on purpose), not a warning.
 */
export const HealthChip = ({
  health,
  status,
}: {
  health: HealthState;
  status?: LifecycleStatus;
}) => {
  if (status === 'stopped') {
    return (
      <span title="Not checked while the database is stopped">
        <StatusAborted>—</StatusAborted>
      </span>
    );
  }
  const Icon = HEALTH[health];
  return <Icon>{health}</Icon>;
};

export const BackupStatusChip = ({ status }: { status: BackupStatus }) => {
  const Icon = BACKUP[status];
  return <Icon>{status}</Icon>;
};
