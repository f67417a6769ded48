/**
 * Databases page, instance page and entity cards for the DBaaS Manager.
 *
 * @packageDocumentation
 */
export { dbaasPlugin as default } from './plugin';
export { dbaasApiRef } from './api';
