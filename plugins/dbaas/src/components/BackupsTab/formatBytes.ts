const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** A size for people: 1536 → "1.5 KiB"; null (not known yet) → "—". */
export function formatBytes(bytes: number | null): string {
  if (bytes === null || bytes === undefined) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown =
    unit === 0 || value >= 100 ? Math.round(value) : Number(value.toFixed(1));
  return `${shown} ${UNITS[unit]}`;
}
