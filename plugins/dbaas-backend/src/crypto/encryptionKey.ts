import { LoggerService } from '@backstage/backend-plugin-api';
import crypto from 'crypto';
import fs from 'fs/promises';
import path from 'path';

/**
 * The configured key; without one (the embedded default) a key generated once and kept
 * beside the local runtime's data, with a warning that production must configure one.
 */
export async function resolveEncryptionKey(options: {
  configured?: string;
  fallbackDir: string;
  logger: LoggerService;
}): Promise<string> {
  if (options.configured) return options.configured;
  const file = path.join(options.fallbackDir, '.encryption-key');
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch {
    await fs.mkdir(options.fallbackDir, { recursive: true });
    await fs
      .writeFile(file, crypto.randomBytes(32).toString('base64'), {
        mode: 0o600,
        flag: 'wx',
      })
      .catch(() => {});
    options.logger.warn(
      `No dbaas.encryption.key configured: credentials are sealed with a key generated in ${file}. Configure dbaas.encryption.key outside development.`,
    );
    return (await fs.readFile(file, 'utf8')).trim();
  }
}
