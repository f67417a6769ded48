import { Command } from 'commander';
import { Instance, LIFECYCLE_STATUSES } from '@dbaas/plugin-dbaas-common';
import { findInstance, Manager } from '../client';
import { Output, print } from '../output';
import { UsageError } from '../settings';
import { usedPercent } from './storage';

type Ctx = () => { manager: Manager; output: Output };

const row = (i: Instance) => [
  i.name,
  i.owner,
  `${i.engine} ${i.version}`,
  i.status,
  i.health,
  i.runtime,
  `${i.storageGiB} GiB`,
  usedPercent(i),
  i.endpoint ? `${i.endpoint.host}:${i.endpoint.port}` : '-',
];
const COLUMNS = [
  'NAME',
  'OWNER',
  'ENGINE',
  'STATUS',
  'HEALTH',
  'RUNTIME',
  'STORAGE',
  'USED',
  'ENDPOINT',
];

export function registerInstanceCommands(program: Command, ctx: Ctx) {
  program
    .command('flavors')
    .description('List the flavors you can create databases from')
    .addHelpText('after', '\nExample:\n  dbaas flavors --output json')
    .action(async () => {
      const { manager, output } = ctx();
      const flavors = await manager.api.listFlavors(manager.options);
      print(output, flavors, () => ({
        columns: ['ID', 'ENGINE', 'VERSION', 'CPU', 'MEMORY', 'STORAGE (GiB)'],
        rows: flavors.map(f => [
          f.id,
          f.engine,
          f.version,
          f.cpu,
          `${f.memoryMiB} MiB`,
          `${f.storageGiB.min}-${f.storageGiB.max} (default ${f.storageGiB.default})`,
        ]),
      }));
    });

  program
    .command('runtimes')
    .description('List where databases can run, and the flavors each can serve')
    .addHelpText('after', '\nExample:\n  dbaas runtimes --output json')
    .action(async () => {
      const { manager, output } = ctx();
      const runtimes = await manager.api.listRuntimes(manager.options);
      print(output, runtimes, () => ({
        columns: ['RUNTIME', 'DEFAULT', 'FLAVORS'],
        rows: runtimes.items.map(r => [
          r.name,
          r.name === runtimes.defaultRuntime ? 'yes' : '',
          r.flavorIds.join(', '),
        ]),
      }));
    });

  program
    .command('list')
    .description('List the databases you can see')
    .option(
      '--owner <ref>',
      'only those of this owner, e.g. group:default/team-a',
    )
    .option(
      '--status <status>',
      `only those in this status (${LIFECYCLE_STATUSES.join(', ')})`,
    )
    .addHelpText(
      'after',
      '\nExamples:\n  dbaas list\n  dbaas list --owner group:default/team-a --status running --output json',
    )
    .action(async (opts: { owner?: string; status?: string }) => {
      const { manager, output } = ctx();
      if (
        opts.status &&
        !(LIFECYCLE_STATUSES as readonly string[]).includes(opts.status)
      ) {
        throw new UsageError(
          `--status must be one of ${LIFECYCLE_STATUSES.join(', ')}`,
        );
      }
      const page = await manager.api.listInstances(
        {
          owner: opts.owner,
          status: opts.status as Instance['status'],
          limit: 500,
        },
        manager.options,
      );
      print(output, page.items, () => ({
        columns: COLUMNS,
        rows: page.items.map(row),
      }));
    });

  program
    .command('get')
    .argument('<name-or-id>')
    .description('Show one database')
    .addHelpText('after', '\nExample:\n  dbaas get orders-db --output yaml')
    .action(async (nameOrId: string) => {
      const { manager, output } = ctx();
      const instance = await findInstance(manager, nameOrId);
      print(output, instance, () => ({
        columns: COLUMNS,
        rows: [row(instance)],
      }));
    });

  program
    .command('events')
    .argument('<name-or-id>')
    .description("Show a database's timeline")
    .addHelpText('after', '\nExample:\n  dbaas events orders-db')
    .action(async (nameOrId: string) => {
      const { manager, output } = ctx();
      const instance = await findInstance(manager, nameOrId);
      const events = await manager.api.listEvents(instance.id, manager.options);
      print(output, events, () => ({
        columns: ['AT', 'TYPE', 'ACTOR', 'MESSAGE'],
        rows: events.map(e => [e.at, e.type, e.actor, e.message]),
      }));
    });
}
