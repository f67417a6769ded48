import { Portal, startPortal } from './portal';
import { createDatabaseFormTests } from './suites/createDatabaseForm';
import { createDatabaseTemplateTests } from './suites/createDatabaseTemplate';
import { databaseLifecycleInBrowserTests } from './suites/databaseLifecycleInBrowser';
import { databasesPageTests } from './suites/databasesPage';

jest.setTimeout(300_000);

/** One dev portal for every browser and API test of this run. */
let portal: Portal;

beforeAll(async () => {
  portal = await startPortal();
});

afterAll(async () => {
  await portal?.stop();
});

describe('Databases page', () => {
  databasesPageTests(() => portal);
});
describe('Create Database template', () => {
  createDatabaseTemplateTests(() => portal);
});
describe('Create Database form', () => {
  createDatabaseFormTests(() => portal);
});
describe('A database through the UI', () => {
  databaseLifecycleInBrowserTests(() => portal);
});
