import { LoggerService } from '@backstage/backend-plugin-api';
import { Flavor } from '@dbaas/plugin-dbaas-common';
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { generatePassword, SecretBox } from '../crypto/SecretBox';
import { NewInstance } from '../store/InstanceStore';

/** Small flavors the local runtime can serve here: PostgreSQL 17 and MariaDB 10.11. */
export const postgresFlavor = {
  id: 'postgresql-17-small',
  engine: 'postgresql' as const,
  version: '17',
  image: 'dbaas/postgresql:17',
  cpu: 1,
  memoryMiB: 256,
  storageGiB: { min: 1, max: 5, default: 1 },
} satisfies Flavor;

export const mariadbFlavor = {
  ...postgresFlavor,
  id: 'mariadb-10-11-small',
  engine: 'mariadb' as const,
  version: '10.11',
  image: 'dbaas/mariadb:10.11',
} satisfies Flavor;

export const TEST_ENCRYPTION_KEY = 'test key of sixteen characters or more';

/** A logger that drops everything (also usable outside Jest). */
export const silentLogger: LoggerService = {
  info: () => {},
  warn: () => {},
  error: () => {},
  debug: () => {},
  child: () => silentLogger,
};

/** A fresh folder for a local runtime; servers run as other users, so it is traversable. */
export function makeDataDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dbaas-${prefix}-`));
  fs.chmodSync(dir, 0o711);
  return dir;
}

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
