import { LoggerService } from '@backstage/backend-plugin-api';
import { Flavor } from '@dbaas/plugin-dbaas-common';
import fs from 'fs';
import os from 'os';
import path from 'path';

/** A small PostgreSQL 17 flavor: what the local runtime serves here, and the tests' default. */
export const postgresFlavor = {
  id: 'postgresql-17-small',
  engine: 'postgresql' as const,
  version: '17',
  image: 'dbaas/postgresql:17',
  cpu: 1,
  memoryMiB: 256,
  storageGiB: { min: 1, max: 5, default: 1 },
} satisfies Flavor;

/** The MariaDB 10.11 flavor of the same size. */
export const mariadbFlavor = {
  ...postgresFlavor,
  id: 'mariadb-10-11-small',
  engine: 'mariadb' as const,
  version: '10.11',
  image: 'dbaas/mariadb:10.11',
} satisfies Flavor;

/** An encryption key (`dbaas.encryption.key`) for a test Manager. */
export const TEST_ENCRYPTION_KEY = 'test key of sixteen characters or more';

/** A logger that drops everything (also usable outside Jest). */
export const silentLogger: LoggerService = {
  info: () => {},
  warn: () => {},
  error: () => {},
  debug: () => {},
  child: () => silentLogger,
};

/**
 * A fresh folder for the local runtime (`dbaas.runtimes.local.dataDir`); its servers run as
 * other users, so it is traversable.
 */
export function makeDataDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dbaas-${prefix}-`));
  fs.chmodSync(dir, 0o711);
  return dir;
}
