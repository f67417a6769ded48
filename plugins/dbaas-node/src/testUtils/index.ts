/**
 * Test utilities for the DBaaS Manager and its runtime modules: small flavors this machine's
 * engines serve, a test encryption key, a silent logger, data folders for the local runtime,
 * and bounded polling.
 *
 * @packageDocumentation
 */
export * from './fixtures';
export * from './until';
