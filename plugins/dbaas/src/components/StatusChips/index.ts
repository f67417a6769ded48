export {
  LifecycleStatusChip,
  HealthChip,
  BackupStatusChip,
} from './StatusChips';
