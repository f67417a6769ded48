import { Instance } from '@dbaas/plugin-dbaas-common';
import { UsageError } from '../settings';
import {
  applyAtOption,
  maintenanceAction,
  maintenanceTable,
  reportScheduled,
  windowText,
} from './maintenance';

describe('--at', () => {
  it('takes next-window or immediately', () => {
    expect(applyAtOption(undefined)).toBeUndefined();
    expect(applyAtOption('next-window')).toBe('next-window');
    expect(applyAtOption('immediately')).toBe('immediately');
    expect(() => applyAtOption('sunday')).toThrow(
      "--at takes next-window or immediately (got 'sunday')",
    );
  });
});

describe('maintenance options', () => {
  it('shows without options', () => {
    expect(maintenanceAction({})).toEqual({ kind: 'show' });
  });

  it('sets the window from --day, --hour and --hours (1 by default)', () => {
    expect(maintenanceAction({ day: 'Sunday', hour: '3', hours: '2' })).toEqual(
      {
        kind: 'set',
        window: { day: 'sunday', hour: 3, durationHours: 2 },
      },
    );
    expect(maintenanceAction({ day: 'daily', hour: '0' })).toEqual({
      kind: 'set',
      window: { day: 'daily', hour: 0, durationHours: 1 },
    });
  });

  it('removes the window and cancels the scheduled operation', () => {
    expect(maintenanceAction({ remove: true })).toEqual({ kind: 'remove' });
    expect(maintenanceAction({ cancel: true })).toEqual({ kind: 'cancel' });
  });

  it('refuses what does not make a window, and more than one thing at a time', () => {
    for (const bad of [
      { day: 'someday', hour: '3' },
      { hour: '3' },
      { day: 'sunday' },
      { day: 'sunday', hour: '24' },
      { day: 'sunday', hour: '3.5' },
      { day: 'sunday', hour: '3', hours: '0' },
      { day: 'sunday', hour: '3', hours: '9' },
      { day: 'sunday', hour: '3', remove: true },
      { remove: true, cancel: true },
    ]) {
      expect(() => maintenanceAction(bad)).toThrow(UsageError);
    }
    expect(() => maintenanceAction({ day: 'sunday', hour: '25' })).toThrow(
      "--hour takes a whole number from 0 to 23 (got '25')",
    );
  });
});

describe('maintenance output', () => {
  const scheduled = {
    name: 'orders-db',
    maintenanceWindow: { day: 'sunday', hour: 23, durationHours: 2 },
    scheduledOperation: {
      operation: {
        type: 'change-flavor',
        target: 'postgresql-17-large',
        requestedBy: 'user:default/alice',
        requestedAt: '2026-03-01T10:00:00.000Z',
      },
      nextWindowAt: '2026-03-08T23:00:00.000Z',
    },
  } as unknown as Instance;

  afterEach(() => jest.restoreAllMocks());

  it('says the window and what waits for it', () => {
    expect(windowText(null)).toBe('none');
    expect(windowText({ day: 'daily', hour: 3, durationHours: 2 })).toBe(
      'daily 03:00-05:00 UTC',
    );
    expect(maintenanceTable(scheduled).rows).toEqual([
      [
        'orders-db',
        'sundays 23:00-01:00 UTC',
        'change-flavor to postgresql-17-large',
        '2026-03-08T23:00:00.000Z',
      ],
    ]);
    expect(maintenanceTable({ name: 'x-db' } as Instance).rows).toEqual([
      ['x-db', 'none', '-', '-'],
    ]);
  });

  it('reports a scheduled operation on stderr, in table output only', () => {
    let stderr = '';
    jest.spyOn(process.stderr, 'write').mockImplementation(chunk => {
      stderr += chunk;
      return true;
    });
    expect(reportScheduled(scheduled, 'table')).toBe(true);
    expect(stderr).toBe(
      'orders-db: change-flavor to postgresql-17-large scheduled for the maintenance window opening 2026-03-08T23:00:00.000Z (dbaas maintenance orders-db --cancel to cancel it)\n',
    );
    stderr = '';
    expect(reportScheduled(scheduled, 'json')).toBe(true);
    expect(reportScheduled({ name: 'x-db' } as Instance, 'table')).toBe(false);
    expect(stderr).toBe('');
  });
});
