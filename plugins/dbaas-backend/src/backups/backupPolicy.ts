import { InputError } from '@backstage/errors';
import {
  BackupPolicy,
  BackupPolicyInput,
  DEFAULT_BACKUP_POLICY,
  Flavor,
} from '@dbaas/plugin-dbaas-common';
import { Cron } from 'croner';
import { DbaasConfigError } from '../config/readDbaasConfig';

/** The policy an instance gets: what it asks for, over its flavor's, over the built-in one. */
export function resolveBackupPolicy(
  flavor: Flavor,
  input: BackupPolicyInput = {},
  current: BackupPolicy = { ...DEFAULT_BACKUP_POLICY, ...flavor.backup },
): BackupPolicy {
  const policy = { ...current, ...input };
  const problem = scheduleProblem(policy.schedule);
  if (problem) throw new InputError(`backup.schedule: ${problem}`);
  return policy;
}

/** Stops the backend at start-up for a flavor whose backup schedule is no cron expression. */
export function checkFlavorBackupPolicies(flavors: Flavor[]) {
  flavors.forEach((flavor, i) => {
    const problem = scheduleProblem(flavor.backup?.schedule);
    if (problem) {
      throw new DbaasConfigError(
        `dbaas.flavors[${i}].backup.schedule`,
        problem,
      );
    }
  });
}

/** When the schedule next runs after `after` (UTC); undefined for no schedule. */
export function nextScheduledRun(
  schedule: string | null,
  after: Date,
): Date | undefined {
  if (!schedule) return undefined;
  return cron(schedule).nextRun(after) ?? undefined;
}

/** In words, for events: `@daily (UTC), kept 7 days` or `no scheduled backups, kept …`. */
export function describeBackupPolicy(policy: BackupPolicy) {
  const kept = `kept ${policy.retentionDays} days${
    policy.retentionCount ? ` and at most ${policy.retentionCount}` : ''
  }`;
  return `${
    policy.schedule
      ? `backups on '${policy.schedule}' (UTC)`
      : 'no scheduled backups'
  }, ${kept}`;
}

function scheduleProblem(schedule: string | null | undefined) {
  if (!schedule) return undefined;
  try {
    cron(schedule);
    return undefined;
  } catch (error) {
    return `'${schedule}' is not a cron expression (5 fields in UTC, e.g. '0 3 * * *', or @daily, @hourly): ${
      (error as Error).message
    }`;
  }
}

function cron(schedule: string) {
  return new Cron(schedule, { paused: true, timezone: 'Etc/UTC' });
}
