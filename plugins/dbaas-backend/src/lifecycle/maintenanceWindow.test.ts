import { nextWindowAt, windowOpen } from './maintenanceWindow';

describe('maintenance windows (UTC)', () => {
  // a Sunday
  const at = (iso: string) => new Date(iso);

  it('is open from its hour for its duration, on its day or daily', () => {
    const sunday3 = { day: 'sunday' as const, hour: 3, durationHours: 2 };
    expect(windowOpen(sunday3, at('2026-11-29T02:59:59Z'))).toBe(false);
    expect(windowOpen(sunday3, at('2026-11-29T03:00:00Z'))).toBe(true);
    expect(windowOpen(sunday3, at('2026-11-29T04:59:59Z'))).toBe(true);
    expect(windowOpen(sunday3, at('2026-11-29T05:00:00Z'))).toBe(false);
    expect(windowOpen(sunday3, at('2026-11-30T03:30:00Z'))).toBe(false);
    const daily23 = { day: 'daily' as const, hour: 23, durationHours: 3 };
    // over midnight, into the next day
    expect(windowOpen(daily23, at('2026-11-30T01:30:00Z'))).toBe(true);
    expect(windowOpen(daily23, at('2026-11-30T02:00:00Z'))).toBe(false);
  });

  it('opens next at its next occurrence, or now while open', () => {
    const monday1 = { day: 'monday' as const, hour: 1, durationHours: 1 };
    expect(
      nextWindowAt(monday1, at('2026-11-29T12:00:00Z')).toISOString(),
    ).toBe('2026-11-30T01:00:00.000Z');
    expect(
      nextWindowAt(monday1, at('2026-11-30T02:00:00Z')).toISOString(),
    ).toBe('2026-12-07T01:00:00.000Z');
    const now = at('2026-11-30T01:10:00Z');
    expect(nextWindowAt(monday1, now)).toBe(now);
  });
});
