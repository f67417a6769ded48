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

export const HealthChip = ({ health }: { health: HealthState }) => {
  const Icon = HEALTH[health];
  return <Icon>{health}</Icon>;
};

export const BackupStatusChip = ({ status }: { status: BackupStatus }) => {
  const Icon = BACKUP[status];
  return <Icon>{status}</Icon>;
};
