import { LoggerService } from '@backstage/backend-plugin-api';
import { Flavor } from '@dbaas/plugin-dbaas-common';
import fs from 'fs';
import os from 'os';
import path from 'path';

export const postgresFlavor = {
  id: 'postgresql-17-small',
  engine: 'postgresql' as const,
  version: '17',
  image: 'dbaas/postgresql:17',
  cpu: 1,
  memoryMiB: 256,
  storageGiB: { min: 1, max: 5, default: 1 },
} satisfies Flavor;

export const TEST_ENCRYPTION_KEY = 'test key of sixteen characters or more';

/** A logger that drops everything. */
export const silentLogger: LoggerService = {
  info: () => {},
  warn: () => {},
  error: () => {},
  debug: () => {},
  child: () => silentLogger,
};

/** A fresh folder the local runtime's servers (other OS users) can traverse. */
export function makeDataDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dbaas-${prefix}-`));
  fs.chmodSync(dir, 0o711);
  return dir;
}
