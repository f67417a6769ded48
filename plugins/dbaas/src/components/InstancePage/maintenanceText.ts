import {
  MaintenanceWindow,
  ScheduledOperation,
} from '@dbaas/plugin-dbaas-common';

export const MAINTENANCE_DAYS = [
  'daily',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const satisfies readonly MaintenanceWindow['day'][];

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const hh = (hour: number) => `${String(hour % 24).padStart(2, '0')}:00`;

/** `daily` → "Daily", `sunday` → "Sundays". */
export function maintenanceDayText(day: MaintenanceWindow['day']): string {
  return day === 'daily' ? 'Daily' : `${capitalize(day)}s`;
}

/** { sunday, 3, 2 } → "Sundays 03:00–05:00 UTC"; none → "None". */
export function maintenanceWindowText(
  window: MaintenanceWindow | null | undefined,
): string {
  if (!window) return 'None';
  return `${maintenanceDayText(window.day)} ${hh(window.hour)}–${hh(
    window.hour + window.durationHours,
  )} UTC`;
}

/** A moment in UTC, to the minute: "2026-03-08 03:00 UTC". */
export function utcText(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** What waits for the window: "Restart", "Upgrade", "Flavor change to X", "Parameter change". */
export function scheduledOperationTitle(scheduled: ScheduledOperation): string {
  const { operation } = scheduled;
  switch (operation.type) {
    case 'restart':
      return 'Restart';
    case 'upgrade':
      return 'Upgrade';
    case 'change-flavor':
      return operation.target
        ? `Flavor change to ${operation.target}`
        : 'Flavor change';
    case 'set-parameters':
      return 'Parameter change';
    default:
      return capitalize(operation.type.replace(/-/g, ' '));
  }
}
