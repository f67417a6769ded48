/**
 * The Kubernetes runtime of the DBaaS Manager, as a backend module.
 *
 * @packageDocumentation
 */
export { dbaasModuleKubernetesRuntime as default } from './module';
export { createKubernetesRuntime, namespaceFor } from './KubernetesRuntime';
export { readKubernetesRuntimeConfig } from './config';
export type { KubernetesRuntimeConfig } from './config';
