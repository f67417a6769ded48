import { Instance } from '@dbaas/plugin-dbaas-common';
import { Command } from 'commander';
import { findInstance, Manager } from '../client';
import { Output, print } from '../output';
import { UsageError } from '../settings';
import { waitForChange } from './databaseObjects';
import { AT_OPTION, applyAtOption, reportScheduled } from './maintenance';

type Ctx = () => { manager: Manager; output: Output };

const collect = (value: string, previous: string[] = []) => [
  ...previous,
  value,
];

/**
 * `--set name=value` (a number) and `--unset name` as a PATCH's `parameters` (null: back to the
 * default); undefined when there are neither.
 */
export function parametersInput(
  set: string[] = [],
  unset: string[] = [],
): Record<string, number | null> | undefined {
  if (set.length === 0 && unset.length === 0) return undefined;
  const parameters: Record<string, number | null> = {};
  for (const pair of set) {
    const match = /^([a-z_]+)=(.+)$/.exec(pair.trim());
    const value = match ? Number(match[2]) : NaN;
    if (!match || !Number.isFinite(value)) {
      throw new UsageError(
        `--set takes name=number, e.g. max_connections=50 (got '${pair}')`,
      );
    }
    parameters[match[1]] = value;
  }
  for (const name of unset) {
    if (name in parameters) {
      throw new UsageError(`${name} is both set and unset`);
    }
    parameters[name] = null;
  }
  return parameters;
}

/** Whether the instance has exactly the parameters asked for. */
export function parametersApplied(
  instance: Instance,
  asked: Record<string, number | null>,
): boolean {
  const now = instance.parameters ?? {};
  return Object.entries(asked).every(([name, value]) =>
    value === null ? now[name] === undefined : now[name] === value,
  );
}

export const parametersTable = (instance: Instance) => ({
  columns: ['PARAMETER', 'VALUE'],
  rows: Object.entries(instance.parameters ?? {}).map(([name, value]) => [
    name,
    value,
  ]),
});

/** One row: the instance, its flavor and image, and the operation under way. */
const instanceRow = (instance: Instance) => ({
  columns: ['NAME', 'ID', 'STATUS', 'FLAVOR', 'IMAGE', 'OPERATION'],
  rows: [
    [
      instance.name,
      instance.id,
      instance.status,
      instance.flavorId,
      instance.image ?? '-',
      instance.operation
        ? `${instance.operation.type}${
            instance.operation.target ? ` to ${instance.operation.target}` : ''
          }`
        : '-',
    ],
  ],
});

export function registerConfigurationCommands(program: Command, ctx: Ctx) {
  program
    .command('params')
    .argument('<name-or-id>')
    .description(
      "Show the server parameters set on a database (the rest are its flavor's), or set them from the engine's allow-list: PostgreSQL max_connections, work_mem (MB), log_min_duration_statement, statement_timeout, idle_in_transaction_session_timeout (ms); MariaDB max_connections, max_allowed_packet (bytes), long_query_time, wait_timeout (s)",
    )
    .option('--set <name=value>', 'set a parameter (repeatable)', collect)
    .option(
      '--unset <name>',
      'return a parameter to its default (repeatable)',
      collect,
    )
    .option(
      '--wait',
      'wait until they are applied (exit code 1 if that failed), with progress',
    )
    .option(...AT_OPTION)
    .addHelpText(
      'after',
      '\nExamples:\n  dbaas params orders-db\n  dbaas params orders-db --set max_connections=50 --set work_mem=8 --unset statement_timeout --wait\n  dbaas params orders-db --set max_connections=200 --at next-window',
    )
    .action(
      async (
        nameOrId: string,
        opts: { set?: string[]; unset?: string[]; wait?: boolean; at?: string },
      ) => {
        const { manager, output } = ctx();
        const parameters = parametersInput(opts.set, opts.unset);
        const applyAt = applyAtOption(opts.at);
        if (applyAt && !parameters) {
          throw new UsageError('--at goes with --set or --unset');
        }
        let instance = await findInstance(manager, nameOrId);
        if (parameters) {
          instance = await manager.api.updateInstance(
            instance.id,
            { parameters, ...(applyAt ? { applyAt } : {}) },
            manager.options,
          );
          const scheduled = reportScheduled(instance, output);
          if (opts.wait && !scheduled) {
            instance = await waitForChange(
              manager,
              instance.id,
              'set-parameters',
              i => parametersApplied(i, parameters),
            );
          }
        }
        print(output, instance.parameters ?? {}, () =>
          parametersTable(instance),
        );
        if (
          output === 'table' &&
          instance.operation?.type === 'set-parameters'
        ) {
          process.stderr.write(`${instance.name}: set-parameters under way\n`);
        }
      },
    );

  program
    .command('flavor')
    .argument('<name-or-id>')
    .argument('<flavor-id>', 'a flavor of the same engine and version')
    .description(
      'Move a database to another flavor of its engine and version (CPU, memory, tuning): its server is made again on the same data, like a restart',
    )
    .option(
      '--wait',
      'wait until it runs on the new flavor (exit code 1 if that failed), with progress',
    )
    .option(...AT_OPTION)
    .addHelpText(
      'after',
      '\nExamples:\n  dbaas flavor orders-db postgresql-17-large --wait\n  dbaas flavor orders-db postgresql-17-large --at next-window',
    )
    .action(
      async (
        nameOrId: string,
        flavorId: string,
        opts: { wait?: boolean; at?: string },
      ) => {
        const { manager, output } = ctx();
        const applyAt = applyAtOption(opts.at);
        const found = await findInstance(manager, nameOrId);
        let instance = await manager.api.updateInstance(
          found.id,
          { flavorId, ...(applyAt ? { applyAt } : {}) },
          manager.options,
        );
        const scheduled = reportScheduled(instance, output);
        if (opts.wait && !scheduled) {
          instance = await waitForChange(
            manager,
            instance.id,
            'change-flavor',
            i => i.flavorId === flavorId,
          );
        }
        print(output, instance, () => instanceRow(instance));
      },
    );

  program
    .command('upgrade')
    .argument('<name-or-id>')
    .description(
      "Move a database to its flavor's current image, on the same data (after a backup where its runtime backs up)",
    )
    .option(
      '--wait',
      'wait until it runs the new image (exit code 1 if that failed), with progress',
    )
    .option(...AT_OPTION)
    .addHelpText(
      'after',
      '\nExamples:\n  dbaas upgrade orders-db --wait\n  dbaas upgrade orders-db --at next-window',
    )
    .action(async (nameOrId: string, opts: { wait?: boolean; at?: string }) => {
      const { manager, output } = ctx();
      const applyAt = applyAtOption(opts.at);
      const found = await findInstance(manager, nameOrId);
      let instance = await manager.api.upgradeInstance(found.id, {
        ...manager.options,
        ...(applyAt ? { applyAt } : {}),
      });
      const scheduled = reportScheduled(instance, output);
      if (opts.wait && !scheduled) {
        const image = (await manager.api.listFlavors(manager.options)).find(
          f => f.id === instance.flavorId,
        )?.image;
        instance = await waitForChange(
          manager,
          instance.id,
          'upgrade',
          i => !image || i.image === image,
        );
      }
      print(output, instance, () => instanceRow(instance));
    });
}
