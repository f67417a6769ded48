export { startPortal } from './portal';
export type { Portal } from './portal';
export { launchBrowser, signInAsGuest, screenshot } from './browser';
export {
  dockerObjectsOf,
  listeningPorts,
  portFree,
  processesUsing,
} from './leftovers';
