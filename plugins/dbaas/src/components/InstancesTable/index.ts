export { InstancesTable, age } from './InstancesTable';
export { InstanceLink } from './InstanceLink';
