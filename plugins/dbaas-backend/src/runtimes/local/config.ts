import { Config } from '@backstage/config';
import os from 'os';
import path from 'path';

export interface LocalRuntimeConfig {
  dataDir: string;
  host: string;
}

export function readLocalRuntimeConfig(config?: Config): LocalRuntimeConfig {
  const dataDir =
    config?.getOptionalString('dataDir') ??
    path.join(os.tmpdir(), 'dbaas-local');
  return {
    dataDir: path.resolve(dataDir),
    host: config?.getOptionalString('host') ?? '127.0.0.1',
  };
}
