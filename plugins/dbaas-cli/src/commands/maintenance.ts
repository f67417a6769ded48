import {
  ApplyAt,
  Instance,
  MaintenanceWindow,
} from '@dbaas/plugin-dbaas-common';
import { Command } from 'commander';
import { findInstance, Manager } from '../client';
import { Output, print } from '../output';
import { UsageError } from '../settings';

type Ctx = () => { manager: Manager; output: Output };

const DAYS = [
  'daily',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const satisfies readonly MaintenanceWindow['day'][];

/** The `--at` option of restart, upgrade, flavor and params. */
export const AT_OPTION = [
  '--at <when>',
  'next-window: wait for the maintenance window instead of now (see dbaas maintenance)',
] as const;

/** `--at next-window` (or `immediately`) as the Manager's `applyAt`; undefined when left out. */
export function applyAtOption(at: string | undefined): ApplyAt | undefined {
  if (at === undefined) return undefined;
  if (at !== 'next-window' && at !== 'immediately') {
    throw new UsageError(`--at takes next-window or immediately (got '${at}')`);
  }
  return at;
}

/** What `dbaas maintenance NAME [options]` does. */
export type MaintenanceAction =
  | { kind: 'show' }
  | { kind: 'set'; window: MaintenanceWindow }
  | { kind: 'remove' }
  | { kind: 'cancel' };

const wholeNumber = (flag: string, value: string, min: number, max: number) => {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
    throw new UsageError(
      `${flag} takes a whole number from ${min} to ${max} (got '${value}')`,
    );
  }
  return n;
};

/**
 * `--day D --hour H [--hours N]` sets the window (N: 1 by default), `--remove` removes it,
 * `--cancel` cancels the operation waiting for it, none of them shows both; one at a time.
 */
export function maintenanceAction(opts: {
  day?: string;
  hour?: string;
  hours?: string;
  remove?: boolean;
  cancel?: boolean;
}): MaintenanceAction {
  const setting =
    opts.day !== undefined ||
    opts.hour !== undefined ||
    opts.hours !== undefined;
  if ([setting, !!opts.remove, !!opts.cancel].filter(Boolean).length > 1) {
    throw new UsageError(
      'give one of --day/--hour/--hours, --remove or --cancel',
    );
  }
  if (opts.remove) return { kind: 'remove' };
  if (opts.cancel) return { kind: 'cancel' };
  if (!setting) return { kind: 'show' };
  const day = opts.day?.toLowerCase();
  if (!day || !(DAYS as readonly string[]).includes(day)) {
    throw new UsageError(
      `--day takes daily or a day of the week, monday … sunday (got '${
        opts.day ?? ''
      }')`,
    );
  }
  if (opts.hour === undefined) {
    throw new UsageError(
      '--hour is needed with --day: the hour it opens, 0-23 (UTC)',
    );
  }
  return {
    kind: 'set',
    window: {
      day: day as MaintenanceWindow['day'],
      hour: wholeNumber('--hour', opts.hour, 0, 23),
      durationHours:
        opts.hours === undefined ? 1 : wholeNumber('--hours', opts.hours, 1, 8),
    },
  };
}

const hh = (hour: number) => `${String(hour % 24).padStart(2, '0')}:00`;

/** { sunday, 3, 2 } → "sundays 03:00-05:00 UTC"; none → "none". */
export function windowText(window: MaintenanceWindow | null | undefined) {
  if (!window) return 'none';
  return `${window.day === 'daily' ? 'daily' : `${window.day}s`} ${hh(
    window.hour,
  )}-${hh(window.hour + window.durationHours)} UTC`;
}

/** What waits for the window: "restart", "change-flavor to X". */
export function scheduledText(instance: Instance): string {
  const operation = instance.scheduledOperation?.operation;
  if (!operation) return '-';
  return `${operation.type}${
    operation.target ? ` to ${operation.target}` : ''
  }`;
}

export const maintenanceTable = (instance: Instance) => ({
  columns: ['NAME', 'WINDOW', 'SCHEDULED', 'AT'],
  rows: [
    [
      instance.name,
      windowText(instance.maintenanceWindow),
      scheduledText(instance),
      instance.scheduledOperation?.nextWindowAt ?? '-',
    ],
  ],
});

/**
 * After a call with `--at next-window`: says on stderr what now waits, and that --wait does not
 * wait for the window. True when something was scheduled.
 */
export function reportScheduled(instance: Instance, output: Output): boolean {
  const scheduled = instance.scheduledOperation;
  if (!scheduled) return false;
  if (output === 'table') {
    process.stderr.write(
      `${instance.name}: ${scheduledText(
        instance,
      )} scheduled for the maintenance window opening ${
        scheduled.nextWindowAt
      } (dbaas maintenance ${instance.name} --cancel to cancel it)\n`,
    );
  }
  return true;
}

export function registerMaintenanceCommands(program: Command, ctx: Ctx) {
  program
    .command('maintenance')
    .argument('<name-or-id>')
    .description(
      'Show, set or remove the maintenance window of a database (UTC), when restarts, upgrades, flavor and parameter changes asked for with --at next-window run; or cancel the one waiting for it',
    )
    .option('--day <day>', 'daily, or monday … sunday')
    .option('--hour <hour>', 'the hour it opens, 0-23 (UTC)')
    .option('--hours <hours>', 'how long it stays open, 1-8 hours (default 1)')
    .option('--remove', 'remove the window')
    .option('--cancel', 'cancel the operation waiting for the window')
    .addHelpText(
      'after',
      '\nExamples:\n  dbaas maintenance orders-db\n  dbaas maintenance orders-db --day sunday --hour 3 --hours 2\n  dbaas restart orders-db --at next-window\n  dbaas maintenance orders-db --cancel\n  dbaas maintenance orders-db --remove',
    )
    .action(
      async (
        nameOrId: string,
        opts: {
          day?: string;
          hour?: string;
          hours?: string;
          remove?: boolean;
          cancel?: boolean;
        },
      ) => {
        const { manager, output } = ctx();
        const action = maintenanceAction(opts);
        let instance = await findInstance(manager, nameOrId);
        if (action.kind === 'set' || action.kind === 'remove') {
          instance = await manager.api.updateInstance(
            instance.id,
            {
              maintenanceWindow: action.kind === 'set' ? action.window : null,
            },
            manager.options,
          );
        } else if (action.kind === 'cancel') {
          instance = await manager.api.cancelScheduledOperation(
            instance.id,
            manager.options,
          );
        }
        print(
          output,
          {
            maintenanceWindow: instance.maintenanceWindow ?? null,
            scheduledOperation: instance.scheduledOperation ?? null,
          },
          () => maintenanceTable(instance),
        );
      },
    );
}
