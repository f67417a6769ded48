import { LoggerService } from '@backstage/backend-plugin-api';
import crypto from 'crypto';
import fs from 'fs/promises';
import path from 'path';
import { DbaasConfigError } from '../config/readDbaasConfig';
import { EncryptionKey } from './SecretBox';

/** The id of the key generated for development, when none is configured. */
export const DEVELOPMENT_KEY_ID = 'development';

/**
 * The configured key ring. Without one, production refuses to start; development gets a
 * key generated once and kept beside the local runtime's data, with a warning.
 */
export async function resolveEncryptionKeys(options: {
  configured: EncryptionKey[];
  production: boolean;
  fallbackDir: string;
  logger: LoggerService;
}): Promise<EncryptionKey[]> {
  if (options.configured.length) return options.configured;
  if (options.production) {
    throw new DbaasConfigError(
      'dbaas.encryption.keys',
      'required in production (NODE_ENV=production or a store other than SQLite): configure at least one { id, secret } so every replica seals and opens secrets with the same key',
    );
  }
  const file = path.join(options.fallbackDir, '.encryption-key');
  const read = async () => ({
    id: DEVELOPMENT_KEY_ID,
    secret: (await fs.readFile(file, 'utf8')).trim(),
  });
  try {
    return [await read()];
  } catch {
    await fs.mkdir(options.fallbackDir, { recursive: true });
    await fs
      .writeFile(file, crypto.randomBytes(32).toString('base64'), {
        mode: 0o600,
        flag: 'wx',
      })
      .catch(() => {});
    options.logger.warn(
      `No dbaas.encryption.keys configured: secrets are sealed with a development key generated in ${file}. Production refuses to start without dbaas.encryption.keys.`,
    );
    return [await read()];
  }
}

/** Production: NODE_ENV=production, or a store that several replicas can share. */
export function isProduction(storeClient: string): boolean {
  return (
    process.env.NODE_ENV === 'production' ||
    !['better-sqlite3', 'sqlite3'].includes(storeClient)
  );
}
