import { Instance, InstanceStorage } from '@dbaas/plugin-dbaas-common';
import { formatBytes } from '../BackupsTab/formatBytes';

const GiB = 1024 ** 3;

/**
 * How much of its storage an instance uses, for people: "0.9 of 2 GiB, 45 %" (below 0.1 GiB
 * in the unit that fits: "20 MiB of 2 GiB, 1 %"); undefined until the Manager measured it.
 */
export function describeUsage(
  storageGiB: number,
  storage: InstanceStorage | undefined,
): string | undefined {
  if (!storage || storage.usedBytes === null) return undefined;
  const used =
    storage.usedBytes >= 0.1 * GiB
      ? String(Number((storage.usedBytes / GiB).toFixed(1)))
      : formatBytes(storage.usedBytes);
  const percent =
    storage.usedPercent === null
      ? ''
      : `, ${formatPercent(storage.usedPercent)}`;
  return `${used} of ${storageGiB} GiB${percent}`;
}

/** 45.3 → "45 %", 79.9 → "79 %", 0.98 → "0.9 %" (something used shows as more than 0). */
export function formatPercent(percent: number): string {
  const shown =
    percent > 0 && percent < 1
      ? Math.max(0.1, Math.floor(percent * 10) / 10)
      : Math.floor(percent);
  return `${shown} %`;
}

/** "On, up to 20 GiB", "On, up to the flavor's maximum (50 GiB)", "Off". */
export function describeAutoGrow(
  storage: InstanceStorage,
  flavorMaxGiB?: number,
): string {
  if (!storage.autoGrow) return 'Off';
  if (storage.maxGiB !== null) return `On, up to ${storage.maxGiB} GiB`;
  return `On, up to the flavor's maximum${
    flavorMaxGiB ? ` (${flavorMaxGiB} GiB)` : ''
  }`;
}

/** How full the bar shows: the error colour when full, the warning one from 80 % used. */
export function usageSeverity(
  storage: InstanceStorage,
): 'ok' | 'warning' | 'error' {
  if (storage.state === 'full' || storage.readOnly) return 'error';
  if (storage.state === 'warning' || (storage.usedPercent ?? 0) >= 80) {
    return 'warning';
  }
  return 'ok';
}

/** Storage actions fit a database that is there: not while it is deleted or being deleted. */
export const storageEditable = (instance: Instance) =>
  !['deleting', 'deleted', 'failed'].includes(instance.status);
