/**
 * Test utilities for the DBaaS Manager and its runtime modules: small flavors this machine's
 * engines serve, a test encryption key, a silent logger, data folders for the local runtime,
 * bounded polling, and the contract suite every backup store passes (`backupStoreContract`).
 *
 * @packageDocumentation
 */
export * from './fixtures';
export * from './until';
export * from './backupStoreContract';
export * from './standInVm';
export * from './standInChecks';
