import { Config } from '@backstage/config';
import { configNumber, parseConfigBlock } from '@dbaas/plugin-dbaas-common';
import { z } from 'zod';

/** `dbaas.catalog`: how often the catalog module syncs instances into Resources. */
export const catalogSettingsSchema = z
  .object({
    /** Seconds between delta syncs (changed instances only). */
    refreshSeconds: configNumber().pipe(z.number().int().min(1)).default(3),
    /** Minutes between full syncs, the safety net for anything a delta missed. */
    fullSyncMinutes: configNumber().pipe(z.number().int().min(1)).default(10),
  })
  .strict();

export type CatalogSettings = z.infer<typeof catalogSettingsSchema>;

export function readCatalogSettings(config: Config): CatalogSettings {
  return parseConfigBlock(
    catalogSettingsSchema,
    config.getOptional('dbaas.catalog') ?? {},
    'dbaas.catalog',
  );
}
