import { StorageState } from '../store/InstanceStore';

export const GIB = 1024 ** 3;
/** Storage grows, or its owner is warned, once this much of it is used. */
export const GROW_AT = 0.8;

/** The state storage `usedBytes` of `storageGiB` is in. */
export function storageStateOf(
  usedBytes: number,
  storageGiB: number,
): StorageState {
  const ratio = usedBytes / (storageGiB * GIB);
  if (ratio >= 1) return 'full';
  return ratio >= GROW_AT ? 'warning' : 'ok';
}

/** The next size auto-grow picks: 10 % more, at least 1 GiB, at most `capGiB`. */
export function nextStorageGiB(storageGiB: number, capGiB: number) {
  return Math.min(
    capGiB,
    storageGiB + Math.max(Math.ceil(storageGiB * 0.1), 1),
  );
}
