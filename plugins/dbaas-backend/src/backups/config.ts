import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import {
  BackupStore,
  BackupStoreRegistration,
  FilesystemBackupStore,
} from '@dbaas/plugin-dbaas-node';
import path from 'path';
import { z } from 'zod';
import { DbaasConfigError, issuePath } from '../config/readDbaasConfig';

/**
 * Where backups go: `dbaas.backups.store`. A filesystem store is built in; any other type is
 * made by the module that registered it, from the block itself.
 */
export type BackupStoreConfig =
  | { type: 'filesystem'; directory: string }
  | { type: string; config: Config };

const KEY = 'dbaas.backups.store';

/** The types backend modules of this repository add, and the module that adds each. */
const MODULE_TYPES: Record<string, string> = {
  s3: '@dbaas/plugin-dbaas-backend-module-s3',
};

const filesystemSchema = z
  .object({
    type: z.literal('filesystem'),
    directory: z.string().min(1, 'must not be empty').optional(),
  })
  .strict();

/**
 * Reads `dbaas.backups.store`: `{ type: filesystem, directory? }`, or a block with another type
 * for the module that registered it (see {@link createBackupStore}). Without it: a directory
 * `backups` beside the local runtime's data directory (`.dbaas/backups` by default). Throws a
 * {@link DbaasConfigError} naming the key.
 */
export function readBackupStoreConfig(
  config: Config,
  localRuntimeDataDir: string,
): BackupStoreConfig {
  const defaultDirectory = path.join(
    path.dirname(path.resolve(localRuntimeDataDir)),
    'backups',
  );
  const raw = config.getOptional<unknown>(KEY);
  if (raw === undefined) {
    return { type: 'filesystem', directory: defaultDirectory };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new DbaasConfigError(
      KEY,
      'must be an object with a type (filesystem, or one a backend module adds, e.g. s3)',
    );
  }
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string' || !type) {
    throw new DbaasConfigError(
      `${KEY}.type`,
      `is required: filesystem, or one a backend module adds, e.g. s3${
        type === undefined ? '' : ` (got ${JSON.stringify(type)})`
      }`,
    );
  }
  if (type !== 'filesystem') {
    return { type, config: config.getConfig(KEY) };
  }
  const fsConfig = parse(filesystemSchema, raw);
  return {
    type,
    directory: fsConfig.directory
      ? path.resolve(fsConfig.directory)
      : defaultDirectory,
  };
}

/**
 * The store a {@link BackupStoreConfig} describes: a filesystem store, or the one made by the
 * registration for its type. A type no module registered is a {@link DbaasConfigError} naming
 * the available types and the module that adds it, where one of this repository's does.
 */
export async function createBackupStore(
  config: BackupStoreConfig,
  deps: { registrations: BackupStoreRegistration[]; logger: LoggerService },
): Promise<BackupStore> {
  const types = deps.registrations.map(r => r.type);
  const twice = types.find(
    (type, i) => type === 'filesystem' || types.indexOf(type) !== i,
  );
  if (twice) {
    throw new Error(
      `Two backup stores are of type '${twice}': remove one of the modules that register it`,
    );
  }
  if ('directory' in config) {
    return new FilesystemBackupStore({ directory: config.directory });
  }
  const registration = deps.registrations.find(r => r.type === config.type);
  if (!registration) {
    const available = ['filesystem', ...types].join(', ');
    const hints = Object.entries(MODULE_TYPES)
      .filter(([type]) => !types.includes(type))
      .map(([type, module]) => `; add ${module} to the backend for ${type}`)
      .join('');
    throw new DbaasConfigError(
      `${KEY}.type`,
      `'${config.type}' is not available (available: ${available})${hints}`,
    );
  }
  return registration.create({ config: config.config, logger: deps.logger });
}

function parse<T extends z.ZodTypeAny>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) {
    return result.data;
  }
  const issue = result.error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    throw new DbaasConfigError(
      `${KEY}.${issue.keys[0]}`,
      'is not a setting of a filesystem backup store (unknown key)',
    );
  }
  const { path: at, message } = issuePath(result.error);
  throw new DbaasConfigError(at ? `${KEY}.${at}` : KEY, message);
}
