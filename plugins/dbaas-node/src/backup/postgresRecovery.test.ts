import { Readable } from 'stream';
import { RecoveryWindowFault } from '../runtime';
import { pastLastCommit } from './postgresRecovery';

describe('pastLastCommit', () => {
  const backupEnd = new Date('2026-11-29T10:00:00Z');
  const logEnd = new Date('2026-11-29T10:05:00Z');
  const request = (targetTime: Date) => ({
    backup: Readable.from([]),
    walDir: '/nowhere',
    targetTime,
    backupStoppedAt: backupEnd,
    logEndsAt: logEnd,
  });

  it('recovers to the end of the log for a target after its last commit but inside the log', () => {
    const target = new Date('2026-11-29T10:03:00Z');
    const lastCommit = new Date('2026-11-29T10:01:00Z');
    expect(
      pastLastCommit(
        new RecoveryWindowFault(target, backupEnd, lastCommit),
        request(target),
      ),
    ).toBe(true);
  });

  it('does so when nothing was committed after the backup at all', () => {
    const target = new Date('2026-11-29T10:04:00Z');
    expect(
      pastLastCommit(
        new RecoveryWindowFault(target, backupEnd),
        request(target),
      ),
    ).toBe(true);
  });

  it('refuses a target past where the log ends, and other failures', () => {
    const late = new Date('2026-11-29T10:06:00Z');
    expect(
      pastLastCommit(new RecoveryWindowFault(late, backupEnd), request(late)),
    ).toBe(false);
    expect(pastLastCommit(new Error('disk full'), request(late))).toBe(false);
  });
});
