import { createExtensionPoint } from '@backstage/backend-plugin-api';
import { Runtime } from './runtimes/types';

/** Lets a backend module add a runtime (e.g. a Google Compute Engine host provider). */
export interface DbaasRuntimesExtensionPoint {
  addRuntime(runtime: Runtime): void;
}

export const dbaasRuntimesExtensionPoint =
  createExtensionPoint<DbaasRuntimesExtensionPoint>({ id: 'dbaas.runtimes' });
