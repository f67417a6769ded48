import { Backup, Instance, RestoreFrom } from '@dbaas/plugin-dbaas-common';
import { Command } from 'commander';
import { findInstance, findInstanceOrDeleted, Manager } from '../client';
import { Output, print } from '../output';
import { UsageError } from '../settings';
import { waitForInstance } from './lifecycle';

type Ctx = () => { manager: Manager; output: Output };

/** Bytes as people read them: 512 B, 3.4 MiB, 1.2 GiB. */
export function humanSize(bytes: number | null): string {
  if (bytes === null) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * Polls a backup every second until it is no longer running, a dot on stderr per poll; one
 * that failed sets exit code 1 and prints its fault.
 */
async function waitForBackup(
  manager: Manager,
  instance: Instance,
  started: Backup,
): Promise<Backup> {
  let backup = started;
  const since = Date.now();
  const seconds = () => Math.round((Date.now() - since) / 1000);
  process.stderr.write(`${instance.name}: backup ${backup.id} running `);
  while (backup.status === 'running') {
    await new Promise(resolve => setTimeout(resolve, 1000));
    backup = await manager.api.getBackup(backup.id, manager.options);
    process.stderr.write('.');
  }
  process.stderr.write(
    `\n${instance.name}: backup ${backup.id} ${backup.status} ${seconds()}s\n`,
  );
  if (backup.status === 'failed') {
    process.exitCode = 1;
    process.stderr.write(
      `error: ${backup.fault?.code ?? backup.status}: ${
        backup.fault?.message ?? ''
      }\n`,
    );
  }
  return backup;
}

/** The instance a restore reads from (a deleted one too), for the new database's defaults. */
async function restoreSource(
  manager: Manager,
  opts: { fromBackup?: string; from?: string; at?: string },
): Promise<{ restoreFrom: RestoreFrom; source?: Instance }> {
  if (opts.fromBackup) {
    const backup = await manager.api.getBackup(
      opts.fromBackup,
      manager.options,
    );
    const source = await findInstanceOrDeleted(
      manager,
      backup.instanceId,
    ).catch(error => {
      if (error instanceof UsageError) return undefined;
      throw error;
    });
    return { restoreFrom: { backupId: backup.id }, source };
  }
  const pointInTime = new Date(opts.at!);
  const source = await findInstanceOrDeleted(manager, opts.from!);
  return {
    restoreFrom: {
      instanceId: source.id,
      pointInTime: pointInTime.toISOString(),
    },
    source,
  };
}

export function registerBackupCommands(program: Command, ctx: Ctx) {
  const backup = program
    .command('backup')
    .description("Take, list and delete a database's backups");

  backup
    .command('create')
    .argument('<name-or-id>')
    .description('Take a full backup of a database now')
    .option('--wait', 'wait until the backup has completed or failed')
    .addHelpText('after', '\nExample:\n  dbaas backup create orders-db --wait')
    .action(async (nameOrId: string, opts: { wait?: boolean }) => {
      const { manager, output } = ctx();
      const instance = await findInstance(manager, nameOrId);
      let taken = await manager.api.createBackup(instance.id, manager.options);
      if (opts.wait) taken = await waitForBackup(manager, instance, taken);
      print(output, taken, () => ({
        columns: ['ID', 'STATUS', 'SIZE'],
        rows: [[taken.id, taken.status, humanSize(taken.size)]],
      }));
    });

  backup
    .command('list')
    .argument('<name-or-id>')
    .description(
      "List a database's backups (a deleted one's too) and the moments it can be restored to",
    )
    .addHelpText(
      'after',
      '\nExamples:\n  dbaas backup list orders-db\n  dbaas backup list orders-db --output json',
    )
    .action(async (nameOrId: string) => {
      const { manager, output } = ctx();
      const instance = await findInstanceOrDeleted(manager, nameOrId);
      const [items, recoveryWindow] = await Promise.all([
        manager.api.listBackups(instance.id, manager.options),
        manager.api.getRecoveryWindow(instance.id, manager.options),
      ]);
      print(output, { items, recoveryWindow }, () => ({
        columns: [
          'ID',
          'STATUS',
          'TRIGGER',
          'SIZE',
          'STARTED',
          'RESTORABLE FROM',
        ],
        rows: items.map(b => [
          b.id,
          b.status,
          b.trigger,
          humanSize(b.size),
          b.startedAt,
          b.restorableFrom ?? '-',
        ]),
      }));
      if (output === 'table') {
        process.stdout.write(
          recoveryWindow.earliest
            ? `Recovery window: ${recoveryWindow.earliest} .. ${recoveryWindow.latest}\n`
            : 'Recovery window: no completed backup yet\n',
        );
      }
    });

  backup
    .command('delete')
    .argument('<backup-id>')
    .description('Delete a backup from the backup store')
    .addHelpText(
      'after',
      '\nExample:\n  dbaas backup delete 3f1c9a2e-5b7d-4e8a-9c0f-1a2b3c4d5e6f',
    )
    .action(async (backupId: string) => {
      const { manager } = ctx();
      await manager.api.deleteBackup(backupId, manager.options);
      process.stderr.write(`backup ${backupId}: deleted\n`);
    });

  program
    .command('restore')
    .argument(
      '<new-name>',
      'the new database: a DNS label of 3 to 40 characters, unique in the portal',
    )
    .description(
      'Create a database from a backup, or from a database as of a moment inside its recovery window',
    )
    .option('--from-backup <backup-id>', 'the backup (see `dbaas backup list`)')
    .option(
      '--from <name-or-id>',
      'the database to restore as of --at (a deleted one too)',
    )
    .option(
      '--at <time>',
      'with --from: an ISO 8601 time, e.g. 2026-11-29T10:15:00Z',
    )
    .option('--owner <ref>', "the owning group or user; default: the source's")
    .option('--flavor <id>', "the flavor; default: the source's")
    .option(
      '--runtime <runtime>',
      "a runtime of the portal (see `dbaas runtimes`); default: the portal's",
    )
    .option(
      '--wait',
      'wait until the database is running or failed, with progress',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  dbaas restore orders-copy --from-backup 3f1c9a2e-5b7d-4e8a-9c0f-1a2b3c4d5e6f --wait\n  dbaas restore orders-before --from orders-db --at 2026-11-29T10:15:00Z --owner group:default/team-a --wait',
    )
    .action(
      async (
        name: string,
        opts: {
          fromBackup?: string;
          from?: string;
          at?: string;
          owner?: string;
          flavor?: string;
          runtime?: string;
          wait?: boolean;
        },
      ) => {
        if (!opts.fromBackup === !opts.from) {
          throw new UsageError(
            'Give exactly one of --from-backup <backup-id> or --from <name-or-id> --at <time>',
          );
        }
        if (opts.from && opts.at === undefined) {
          throw new UsageError(
            '--at <time> is required with --from: the moment to restore to',
          );
        }
        if (opts.fromBackup && opts.at !== undefined) {
          throw new UsageError(
            '--at goes with --from; a backup restores to the moment it ended',
          );
        }
        if (opts.at !== undefined && isNaN(new Date(opts.at).getTime())) {
          throw new UsageError(
            `--at must be an ISO 8601 time, e.g. 2026-11-29T10:15:00Z (got '${opts.at}')`,
          );
        }
        const { manager, output } = ctx();
        const { restoreFrom, source } = await restoreSource(manager, opts);
        const owner = opts.owner ?? source?.owner;
        const flavorId = opts.flavor ?? source?.flavorId;
        if (!owner || !flavorId) {
          throw new UsageError(
            'The source database is not visible to read its owner and flavor: pass --owner and --flavor',
          );
        }
        let instance = await manager.api.createInstance(
          {
            name,
            owner,
            flavorId,
            runtime: opts.runtime as any,
            restoreFrom,
          },
          manager.options,
        );
        if (opts.wait) instance = await waitForInstance(manager, instance);
        print(output, instance, () => ({
          columns: ['NAME', 'ID', 'STATUS'],
          rows: [[instance.name, instance.id, instance.status]],
        }));
      },
    );
}
