import {
  createExtensionPoint,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { BackupStore } from './backup/BackupStore';
import { Runtime } from './runtime';

/** Seals secrets for the store with the Manager's key ring (e.g. a host's SSH key). */
export interface SecretSealer {
  seal(value: unknown): string;
  open<T>(sealed: string): T;
  /** A key for one purpose, the same on every replica and retry. */
  derive(purpose: string): Buffer;
}

/** What the Manager hands a runtime's factory. */
export interface RuntimeFactoryDeps {
  /** The runtime's own block of app-config: `dbaas.runtimes.<name>`. */
  config: Config;
  logger: LoggerService;
  secrets: SecretSealer;
}

export interface RuntimeRegistration {
  /** The name users choose it by: lowercase letters, digits and dashes. */
  name: string;
  /**
   * Makes the runtime from its config block. Called once at start-up, and only when
   * `dbaas.runtimes.<name>` is configured; a thrown error stops the backend.
   */
  create(deps: RuntimeFactoryDeps): Runtime | Promise<Runtime>;
}

/** Lets a backend module add a runtime (e.g. EC2, Kubernetes, Google Compute Engine). */
export interface DbaasRuntimesExtensionPoint {
  addRuntime(registration: RuntimeRegistration): void;
}

export const dbaasRuntimesExtensionPoint =
  createExtensionPoint<DbaasRuntimesExtensionPoint>({ id: 'dbaas.runtimes' });

/** What the Manager hands a backup store's factory. */
export interface BackupStoreFactoryDeps {
  /** The `dbaas.backups.store` block of app-config, `type` included. */
  config: Config;
  logger: LoggerService;
}

export interface BackupStoreRegistration {
  /** The `dbaas.backups.store.type` it serves, e.g. `s3`; `filesystem` is built in. */
  type: string;
  /**
   * Makes the store from its config block. Called once at start-up, and only when
   * `dbaas.backups.store.type` names this type; a thrown error stops the backend.
   */
  create(deps: BackupStoreFactoryDeps): BackupStore | Promise<BackupStore>;
}

/** Lets a backend module add a kind of backup store (e.g. an S3-compatible bucket). */
export interface DbaasBackupStoresExtensionPoint {
  addBackupStore(registration: BackupStoreRegistration): void;
}

export const dbaasBackupStoresExtensionPoint =
  createExtensionPoint<DbaasBackupStoresExtensionPoint>({
    id: 'dbaas.backupStores',
  });
