export { LifecycleStatusChip, HealthChip } from './StatusChips';
