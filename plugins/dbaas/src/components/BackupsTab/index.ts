export { BackupsTab } from './BackupsTab';
