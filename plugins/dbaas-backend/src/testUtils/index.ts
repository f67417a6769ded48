/**
 * Test utilities for what talks to the DBaaS Manager (the CLI, the scaffolder actions, runtime
 * modules): the real Manager in a test backend, and the catalog of users and groups it checks.
 *
 * @packageDocumentation
 */
export * from './startTestManager';
export * from './testOrg';
