import { Config } from '@backstage/config';
import path from 'path';

export interface LocalRuntimeConfig {
  dataDir: string;
  host: string;
}

export function readLocalRuntimeConfig(config?: Config): LocalRuntimeConfig {
  // a persistent default: a temp dir may be wiped, taking every database (and the dev key) with it
  const dataDir =
    config?.getOptionalString('dataDir') ??
    path.join('.dbaas', 'local-runtime');
  return {
    dataDir: path.resolve(dataDir),
    host: config?.getOptionalString('host') ?? '127.0.0.1',
  };
}
