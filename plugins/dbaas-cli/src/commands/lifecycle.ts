import { Instance } from '@dbaas/plugin-dbaas-common';
import { Command } from 'commander';
import readline from 'readline/promises';
import { findInstance, Manager } from '../client';
import { Output, print } from '../output';
import { UsageError } from '../settings';

type Ctx = () => { manager: Manager; output: Output };

/**
 * Polls an instance every second while `pending` holds, with a line on stderr per state (the
 * status, its phase, the operation under way) and a last one with the state it ended in.
 */
export async function pollInstance(
  manager: Manager,
  start: Instance,
  pending: (instance: Instance) => boolean,
): Promise<Instance> {
  let instance = start;
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 1000);
  let last = '';
  while (pending(instance)) {
    const line = `${instance.status}${
      instance.phase ? ` (${instance.phase})` : ''
    }${instance.operation ? ` (${instance.operation.type} under way)` : ''}`;
    if (line !== last) {
      process.stderr.write(`${instance.name}: ${line} ${seconds()}s\n`);
      last = line;
    }
    await new Promise(resolve => setTimeout(resolve, 1000));
    instance = await manager.api.getInstance(instance.id, manager.options);
  }
  process.stderr.write(`${instance.name}: ${instance.status} ${seconds()}s\n`);
  return instance;
}

/**
 * Polls a new database every second until it is no longer provisioning, with a line on stderr
 * per phase; one that did not end running sets exit code 1 and prints its fault.
 */
export async function waitForInstance(
  manager: Manager,
  created: Instance,
): Promise<Instance> {
  const instance = await pollInstance(
    manager,
    created,
    i => i.status === 'provisioning',
  );
  if (instance.status !== 'running') {
    process.exitCode = 1;
    process.stderr.write(
      `error: ${instance.fault?.code ?? instance.status}: ${
        instance.fault?.message ?? ''
      }\n`,
    );
  }
  return instance;
}

export function registerLifecycleCommands(program: Command, ctx: Ctx) {
  program
    .command('create')
    .argument(
      '<name>',
      'a DNS label of 3 to 40 characters, unique in the portal',
    )
    .description('Create a database')
    .requiredOption('--flavor <id>', 'the flavor (see `dbaas flavors`)')
    .requiredOption(
      '--owner <ref>',
      'the owning group or user, e.g. group:default/team-a',
    )
    .option('--storage <GiB>', "storage in GiB; default: the flavor's")
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
      '\nExample:\n  dbaas create orders-db --flavor postgresql-17-small --storage 10 --owner group:default/team-a --wait',
    )
    .action(
      async (
        name: string,
        opts: {
          flavor: string;
          owner: string;
          storage?: string;
          runtime?: string;
          wait?: boolean;
        },
      ) => {
        const { manager, output } = ctx();
        const storageGiB =
          opts.storage === undefined ? undefined : Number(opts.storage);
        if (storageGiB !== undefined && !Number.isInteger(storageGiB)) {
          throw new UsageError('--storage must be a whole number of GiB');
        }
        let instance = await manager.api.createInstance(
          {
            name,
            owner: opts.owner,
            flavorId: opts.flavor,
            storageGiB,
            runtime: opts.runtime as any,
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

  program
    .command('delete')
    .argument('<name-or-id>')
    .description(
      'Delete a database and its data, after a final backup where its runtime backs up',
    )
    .option('--yes', 'do not ask to type the name')
    .option('--skip-final-backup', 'delete without the final backup')
    .addHelpText('after', '\nExample:\n  dbaas delete orders-db --yes')
    .action(
      async (
        nameOrId: string,
        opts: { yes?: boolean; skipFinalBackup?: boolean },
      ) => {
        const { manager } = ctx();
        const instance = await findInstance(manager, nameOrId);
        if (!opts.yes) {
          const rl = readline.createInterface({
            input: process.stdin,
            output: process.stderr,
          });
          const typed = await rl.question(
            `Type ${instance.name} to delete it and its data: `,
          );
          rl.close();
          if (typed.trim() !== instance.name) {
            throw new UsageError('Not deleted: the name did not match');
          }
        }
        await manager.api.deleteInstance(instance.id, {
          ...manager.options,
          skipFinalBackup: opts.skipFinalBackup,
        });
        process.stderr.write(
          `${instance.name}: deleting${
            opts.skipFinalBackup ? ' without a final backup' : ''
          }\n`,
        );
      },
    );
}
