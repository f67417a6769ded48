import { deleteAllInstances, guestToken } from './backstageApi';
import { dockerObjectsOf, listeningPorts, processesUsing } from './leftovers';
import { Portal, startPortal } from './portal';
import { createDatabaseFormTests } from './suites/createDatabaseForm';
import { createDatabaseTemplateTests } from './suites/createDatabaseTemplate';
import { databaseLifecycleInBrowserTests } from './suites/databaseLifecycleInBrowser';
import { databasesPageTests } from './suites/databasesPage';

jest.setTimeout(300_000);

/** One dev portal for every browser and API test of this run. */
let portal: Portal | undefined;

beforeAll(async () => {
  portal = await startPortal();
});

/**
 * Runs whatever the tests did, failed ones too: deletes every database of this run, stops
 * the portal, then fails the run if a database server, container or volume of this run
 * is left, or the portal's ports are still open.
 */
afterAll(async () => {
  if (!portal) return;
  const { backendUrl, dataDir } = portal;
  let instanceIds: string[] = [];
  try {
    instanceIds = await deleteAllInstances(
      backendUrl,
      await guestToken(backendUrl),
    );
  } finally {
    await portal.stop();
  }
  // an already running portal (E2E_BASE_URL) is not this run's to check
  if (!dataDir) return;
  const left = {
    servers: processesUsing(dataDir),
    docker: await dockerObjectsOf(instanceIds),
    ports: await listeningPorts([3000, 7007]),
  };
  if (Object.values(left).some(found => found.length > 0)) {
    throw new Error(
      `Left after the browser tests: ${JSON.stringify(left, null, 2)}`,
    );
  }
}, 300_000);

describe('Databases page', () => {
  databasesPageTests(() => portal!);
});
describe('Create Database template', () => {
  createDatabaseTemplateTests(() => portal!);
});
describe('Create Database form', () => {
  createDatabaseFormTests(() => portal!);
});
describe('A database through the UI', () => {
  databaseLifecycleInBrowserTests(() => portal!);
});
