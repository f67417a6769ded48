import { backup, instance } from '../../testUtils/fakeApi';
import { backupFreshness, backupIntervalMs, cronIntervalMs } from './backupAge';

const HOUR = 3600_000;
const now = Date.parse('2026-11-29T12:00:00Z');
const hoursAgo = (h: number) => new Date(now - h * HOUR).toISOString();

describe('cronIntervalMs', () => {
  it.each([
    ['@daily', 24],
    ['@hourly', 1],
    ['@weekly', 7 * 24],
    ['0 3 * * *', 24],
    ['*/15 * * * *', 0.25],
    ['0 */6 * * *', 6],
    ['30 1,13 * * *', 12],
    // weekdays at 03:00: the longest gap spans the weekend
    ['0 3 * * 1-5', 3 * 24],
    ['0 3 * * MON-FRI', 3 * 24],
    ['0 0 1 * *', 31 * 24],
  ])('%s runs at least every %s h', (schedule, hours) => {
    expect(cronIntervalMs(schedule, now)).toBe(hours * HOUR);
  });

  it.each(['', 'daily', '0 3 * *', '61 * * * *', '0 3 * * 1-9'])(
    'cannot read %j',
    schedule => {
      expect(cronIntervalMs(schedule, now)).toBeUndefined();
    },
  );
});

describe('backupIntervalMs', () => {
  it('is daily when the instance tells no schedule or one that cannot be read', () => {
    expect(backupIntervalMs({}, now)).toBe(24 * HOUR);
    expect(
      backupIntervalMs(
        {
          backup: {
            schedule: 'nonsense',
            retentionDays: 7,
            retentionCount: null,
          },
        },
        now,
      ),
    ).toBe(24 * HOUR);
  });

  it('is null without scheduled backups', () => {
    expect(
      backupIntervalMs(
        { backup: { schedule: null, retentionDays: 7, retentionCount: null } },
        now,
      ),
    ).toBeNull();
  });
});

describe('backupFreshness', () => {
  it('takes the newest completed backup and is overdue past twice a day', () => {
    const backups = [
      backup({ id: 'b-running', status: 'running', completedAt: null }),
      backup({ id: 'b-failed', status: 'failed', completedAt: hoursAgo(1) }),
      backup({ id: 'b-new', completedAt: hoursAgo(47) }),
      backup({ id: 'b-old', completedAt: hoursAgo(90) }),
    ];
    expect(backupFreshness(instance(), backups, now)).toEqual({
      last: backups[2],
      at: hoursAgo(47),
      overdue: false,
    });
    expect(
      backupFreshness(instance(), [backup({ completedAt: hoursAgo(49) })], now)
        .overdue,
    ).toBe(true);
  });

  it("follows the instance's schedule", () => {
    const hourly = instance({
      backup: { schedule: '@hourly', retentionDays: 7, retentionCount: null },
    });
    const backups = [backup({ completedAt: hoursAgo(3) })];
    expect(backupFreshness(hourly, backups, now).overdue).toBe(true);
    expect(backupFreshness(instance(), backups, now).overdue).toBe(false);
  });

  it('without a backup, is overdue once the instance has been ready that long', () => {
    expect(
      backupFreshness(instance({ readyAt: hoursAgo(2) }), [], now),
    ).toEqual({ last: undefined, at: undefined, overdue: false });
    expect(
      backupFreshness(instance({ readyAt: hoursAgo(50) }), [], now).overdue,
    ).toBe(true);
    expect(backupFreshness(instance({ readyAt: null }), [], now).overdue).toBe(
      false,
    );
  });
});
