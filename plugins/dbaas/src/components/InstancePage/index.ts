export { InstancePage } from './InstancePage';
export { InstanceDetails } from './InstanceDetails';
export { connectionStrings } from './connectionStrings';
