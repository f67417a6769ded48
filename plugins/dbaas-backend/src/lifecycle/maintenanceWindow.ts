import { MaintenanceWindow } from '@dbaas/plugin-dbaas-common';

const DAYS = [
  'sunday',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
] as const;
const HOUR_MS = 3600_000;

/** The windows (UTC) that start from a day before `now` to eight days after, in order. */
function starts(window: MaintenanceWindow, now: Date): Date[] {
  const result: Date[] = [];
  const day0 = Date.UTC(
    now.getUTCFullYear(),
    now.getUTCMonth(),
    now.getUTCDate(),
  );
  for (let d = -1; d <= 8; d++) {
    const start = new Date(day0 + d * 24 * HOUR_MS + window.hour * HOUR_MS);
    if (window.day === 'daily' || DAYS[start.getUTCDay()] === window.day) {
      result.push(start);
    }
  }
  return result;
}

/** Whether `now` is inside one of the window's occurrences. */
export function windowOpen(window: MaintenanceWindow, now = new Date()) {
  return starts(window, now).some(
    start =>
      start.getTime() <= now.getTime() &&
      now.getTime() < start.getTime() + window.durationHours * HOUR_MS,
  );
}

/** When the window opens next: `now` while it is open. */
export function nextWindowAt(window: MaintenanceWindow, now = new Date()) {
  if (windowOpen(window, now)) return now;
  return starts(window, now).find(start => start.getTime() > now.getTime())!;
}
