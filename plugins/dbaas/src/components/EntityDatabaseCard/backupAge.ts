import { Backup, Instance } from '@dbaas/plugin-dbaas-common';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** What the Manager schedules when an instance says nothing: daily at 00:00 UTC. */
export const DEFAULT_INTERVAL_MS = DAY;

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MONTHS = 'jan feb mar apr may jun jul aug sep oct nov dec'.split(' ');
const DAYS = 'sun mon tue wed thu fri sat'.split(' ');

/** The values one cron field matches (`*`, lists, ranges, steps, month and day names). */
function field(
  text: string,
  min: number,
  max: number,
  names: string[] = [],
  nameBase = 0,
): Set<number> {
  const value = (v: string) => {
    const named = names.indexOf(v.toLowerCase());
    const n = named >= 0 ? named + nameBase : Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(`bad cron value ${v}`);
    }
    return n;
  };
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error('bad cron step');
    let from = min;
    let to = max;
    if (range !== '*' && range !== '?') {
      const [a, b] = range.split('-');
      from = value(a);
      // `5/10` runs from 5 to the end of the range
      if (b !== undefined) to = value(b);
      else to = stepText !== undefined ? max : from;
    }
    for (let n = from; n <= to; n += step) out.add(n);
  }
  return out;
}

/**
 * The longest time between two runs of a cron schedule (5 fields, in UTC), over the next
 * year from `now`; `undefined` when the schedule cannot be read.
 */
export function cronIntervalMs(
  schedule: string,
  now = Date.now(),
): number | undefined {
  try {
    const text = MACROS[schedule.trim().toLowerCase()] ?? schedule.trim();
    const parts = text.split(/\s+/);
    if (parts.length !== 5) return undefined;
    const minutes = field(parts[0], 0, 59);
    const hours = field(parts[1], 0, 23);
    const doms = field(parts[2], 1, 31);
    const months = field(parts[3], 1, 12, MONTHS, 1);
    const dows = new Set(
      [...field(parts[4], 0, 7, DAYS)].map(d => (d === 7 ? 0 : d)),
    );
    // both restricted: either matches, as in cron
    const domAny = parts[2] === '*' || parts[2] === '?';
    const dowAny = parts[4] === '*' || parts[4] === '?';
    const dayMatches = (d: Date) => {
      if (!months.has(d.getUTCMonth() + 1)) return false;
      const dom = doms.has(d.getUTCDate());
      const dow = dows.has(d.getUTCDay());
      if (domAny) return dowAny || dow;
      if (dowAny) return dom;
      return dom || dow;
    };
    const hourList = [...hours].sort((a, b) => a - b);
    const minuteList = [...minutes].sort((a, b) => a - b);
    const start = new Date(now);
    start.setUTCHours(0, 0, 0, 0);
    let previous: number | undefined;
    let longest = 0;
    let runs = 0;
    // two years: a yearly schedule runs at least twice; enough runs show the pattern
    for (let day = 0; day <= 366 * 2 && runs < 20_000; day++) {
      const date = new Date(start.getTime() + day * DAY);
      if (!dayMatches(date)) continue;
      for (const h of hourList) {
        for (const m of minuteList) {
          runs++;
          const at = date.getTime() + h * HOUR + m * MINUTE;
          if (previous !== undefined)
            longest = Math.max(longest, at - previous);
          previous = at;
        }
      }
    }
    return longest || undefined;
  } catch {
    return undefined;
  }
}

/**
 * How often the instance is backed up: its schedule's longest gap, else daily (the Manager's
 * default, also for a Manager that does not tell); `null` without scheduled backups.
 */
export function backupIntervalMs(
  instance: Pick<Instance, 'backup'>,
  now = Date.now(),
): number | null {
  const schedule = instance.backup?.schedule;
  if (schedule === null) return null;
  if (schedule === undefined) return DEFAULT_INTERVAL_MS;
  return cronIntervalMs(schedule, now) ?? DEFAULT_INTERVAL_MS;
}

/** The newest completed backup, by when it ended. */
export function newestCompleted(backups: Backup[]): Backup | undefined {
  return backups
    .filter(b => b.status === 'completed')
    .sort((a, b) =>
      (b.completedAt ?? b.startedAt).localeCompare(
        a.completedAt ?? a.startedAt,
      ),
    )[0];
}

/**
 * The newest completed backup and whether it is overdue: older than twice the schedule's
 * interval (48 h for a daily one). Without a backup, overdue once the instance has been
 * ready that long.
 */
export function backupFreshness(
  instance: Pick<Instance, 'backup' | 'readyAt' | 'createdAt'>,
  backups: Backup[],
  now = Date.now(),
): { last?: Backup; at?: string; overdue: boolean } {
  const last = newestCompleted(backups);
  const at = last ? last.completedAt ?? last.startedAt : undefined;
  const interval = backupIntervalMs(instance, now);
  const since = at ?? instance.readyAt ?? undefined;
  const overdue =
    interval !== null &&
    since !== undefined &&
    now - new Date(since).getTime() > 2 * interval;
  return { last, at, overdue };
}
