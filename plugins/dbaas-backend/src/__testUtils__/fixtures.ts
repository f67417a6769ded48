import {
  postgresFlavor,
  TEST_ENCRYPTION_KEY,
} from '@dbaas/plugin-dbaas-node/testUtils';
import crypto from 'crypto';
import { generatePassword, SecretBox } from '../crypto/SecretBox';
import { InstanceStore, NewInstance } from '../store/InstanceStore';

// the fixtures every package's tests share
export {
  makeDataDir,
  mariadbFlavor,
  postgresFlavor,
  silentLogger,
  TEST_ENCRYPTION_KEY,
} from '@dbaas/plugin-dbaas-node/testUtils';

/** The PostgreSQL flavor the Docker runtime runs here: the image images/build.sh builds. */
export const dockerFlavor = {
  ...postgresFlavor,
  id: 'postgresql-15-docker',
  version: '15',
  image: 'dbaas/postgresql:15',
};

/** A new PostgreSQL instance row as the Manager records it, with real sealed secrets. */
export function newInstance(
  overrides: Partial<NewInstance> = {},
  secretBox = new SecretBox(TEST_ENCRYPTION_KEY),
): NewInstance {
  return {
    id: crypto.randomUUID(),
    name: 'orders-db',
    owner: 'group:default/team-a',
    flavorId: postgresFlavor.id,
    engine: 'postgresql',
    version: '17',
    storageGiB: 1,
    runtime: 'local',
    status: 'provisioning',
    health: 'unknown',
    phase: 'requested',
    endpoint: null,
    deletionProtection: false,
    fault: null,
    component: null,
    createdBy: 'user:default/alice',
    sealedSecrets: secretBox.seal({
      password: generatePassword(),
      adminPassword: generatePassword(),
    }),
    deadlineAt: null,
    holdAtHost: false,
    restoreFrom: null,
    databaseName: null,
    backupPolicy: null,
    storageAutoGrow: false,
    storageMaxGiB: null,
    ...overrides,
  };
}

/** The event a create records: requested by alice. */
export const REQUESTED = {
  type: 'created' as const,
  message: 'requested',
  actor: 'user:default/alice',
};

/** A create as the API records it: `newInstance(overrides, secretBox)` in `store`, requested. */
export function requestInstance(
  store: InstanceStore,
  overrides: Partial<NewInstance> = {},
  secretBox?: SecretBox,
) {
  return store.createInstance(newInstance(overrides, secretBox), REQUESTED);
}
