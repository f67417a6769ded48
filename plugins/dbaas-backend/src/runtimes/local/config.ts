import { Config } from '@backstage/config';
import path from 'path';
import { configBoolean } from '@dbaas/plugin-dbaas-common';
import { z } from 'zod';

/** `dbaas.runtimes.local`, as the Manager's config schema checks it. */
export const localRuntimeSchema = z
  .object({
    enabled: configBoolean().optional(),
    dataDir: z.string().min(1).optional(),
    host: z.string().min(1).optional(),
    walArchiving: configBoolean().optional(),
  })
  .strict();

export interface LocalRuntimeConfig {
  /**
   * Offered to users (default true). Off in production: the local runtime puts databases on
   * the backend's own host.
   */
  enabled: boolean;
  dataDir: string;
  host: string;
  /**
   * PostgreSQL servers archive their WAL into each instance's spool, MariaDB servers keep a
   * binary log whose finished files are spooled (for point-in-time recovery); the Manager
   * ships the spool to the backup store. Default: on.
   */
  walArchiving: boolean;
}

export function readLocalRuntimeConfig(config?: Config): LocalRuntimeConfig {
  // a persistent default: a temp dir may be wiped, taking every database (and the dev key) with it
  const dataDir =
    config?.getOptionalString('dataDir') ??
    path.join('.dbaas', 'local-runtime');
  return {
    enabled: config?.getOptionalBoolean('enabled') ?? true,
    dataDir: path.resolve(dataDir),
    host: config?.getOptionalString('host') ?? '127.0.0.1',
    walArchiving: config?.getOptionalBoolean('walArchiving') ?? true,
  };
}
