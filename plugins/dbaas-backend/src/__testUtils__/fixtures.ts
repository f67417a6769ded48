import {
  postgresFlavor,
  TEST_ENCRYPTION_KEY,
} from '@dbaas/plugin-dbaas-node/testUtils';
import crypto from 'crypto';
import { generatePassword, SecretBox } from '../crypto/SecretBox';
import { NewInstance } from '../store/InstanceStore';

// the fixtures every package's tests share
export {
  makeDataDir,
  mariadbFlavor,
  postgresFlavor,
  silentLogger,
  TEST_ENCRYPTION_KEY,
} from '@dbaas/plugin-dbaas-node/testUtils';

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
    ...overrides,
  };
}
