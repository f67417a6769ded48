export { InstancesTable, age } from './InstancesTable';
