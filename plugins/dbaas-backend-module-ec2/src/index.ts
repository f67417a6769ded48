/**
 * The EC2 runtime of the DBaaS Manager, as a backend module: one VM per database, running the
 * flavor's image with Docker, reached over SSH.
 *
 * @packageDocumentation
 */
export { dbaasModuleEc2Runtime as default } from './module';
export { createEc2Runtime } from './createEc2Runtime';
export { readEc2RuntimeConfig, EC2_CONFIG_KEYS } from './config';
export type { Ec2RuntimeConfig } from './config';
