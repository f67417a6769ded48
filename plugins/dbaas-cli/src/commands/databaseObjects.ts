import {
  Database,
  DATABASE_USER_ROLES,
  DatabaseUser,
  DatabaseUserRole,
  Instance,
  PendingOperationType,
} from '@dbaas/plugin-dbaas-common';
import { Command, Option } from 'commander';
import readline from 'readline/promises';
import { findInstance, Manager } from '../client';
import { Output, print } from '../output';
import { UsageError } from '../settings';
import { FORMATS, printCredentials } from './access';
import { waitForOperation } from './operations';

type Ctx = () => { manager: Manager; output: Output };

/**
 * After a change the Manager makes in the background: waits for the instance's operation (with
 * progress) and checks it did what was asked (`succeeded`); exit code 1 with the fault if not.
 */
export async function waitForChange(
  manager: Manager,
  instanceId: string,
  type: PendingOperationType,
  succeeded: (instance: Instance) => boolean | Promise<boolean>,
): Promise<Instance> {
  const instance = await manager.api.getInstance(instanceId, manager.options);
  if (instance.operation) {
    return waitForOperation(manager, instance, type, 'running', succeeded);
  }
  // done already
  if (!(await succeeded(instance))) {
    process.exitCode = 1;
    const events = await manager.api.listEvents(instance.id, manager.options);
    const fault = events.filter(e => e.type === 'fault').at(-1);
    process.stderr.write(
      `error: ${fault?.message ?? `${type} did not do what was asked`}\n`,
    );
  }
  return instance;
}

export const usersTable = (users: DatabaseUser[]) => ({
  columns: ['NAME', 'ROLE', 'DATABASE', 'STATUS', 'CREATED BY'],
  rows: users.map(u => [u.name, u.role, u.database, u.status, u.createdBy]),
});

export const databasesTable = (databases: Database[]) => ({
  columns: ['NAME', 'APPLICATION', 'STATUS', 'CREATED BY'],
  rows: databases.map(d => [
    d.name,
    d.application ? 'yes' : 'no',
    d.status,
    d.createdBy,
  ]),
});

/** Asks to type `name` on the terminal; a usage error when it does not match. */
async function confirmByName(what: string, name: string) {
  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stderr,
  });
  const typed = await rl.question(`Type ${name} to delete ${what} ${name}: `);
  rl.close();
  if (typed.trim() !== name) {
    throw new UsageError('Not deleted: the name did not match');
  }
}

const WAIT = [
  '--wait',
  'wait until it is done (exit code 1 if it failed), with progress',
] as const;

export function registerDatabaseObjectCommands(program: Command, ctx: Ctx) {
  const users = program
    .command('users')
    .argument('<name-or-id>')
    .description(
      "List the users made on a database's server besides its application user (subcommands: create, delete, credentials)",
    )
    .addHelpText(
      'after',
      '\nExamples:\n  dbaas users orders-db\n  dbaas users create orders-db reader --role readonly --wait\n  dbaas users credentials orders-db reader --format uri\n  dbaas users delete orders-db reader --wait',
    )
    .action(async (nameOrId: string) => {
      const { manager, output } = ctx();
      const instance = await findInstance(manager, nameOrId);
      const items = await manager.api.listDatabaseUsers(
        instance.id,
        manager.options,
      );
      print(output, items, () => usersTable(items));
    });

  users
    .command('create')
    .argument('<name-or-id>')
    .argument('<user>', '1-31 lower-case letters, digits and underscores')
    .description(
      'Make a user that may read (readonly) or also change (readwrite) the tables of one database; the Manager generates its password',
    )
    .addOption(
      new Option('--role <role>', 'what the user may do')
        .choices(DATABASE_USER_ROLES)
        .makeOptionMandatory(),
    )
    .option('--database <db>', 'the database; default: the application one')
    .option(...WAIT)
    .addHelpText(
      'after',
      '\nExample:\n  dbaas users create orders-db reporting --role readonly --database sales --wait',
    )
    .action(
      async (
        nameOrId: string,
        user: string,
        opts: { role: DatabaseUserRole; database?: string; wait?: boolean },
      ) => {
        const { manager, output } = ctx();
        const instance = await findInstance(manager, nameOrId);
        let made = await manager.api.createDatabaseUser(
          instance.id,
          {
            name: user,
            role: opts.role,
            ...(opts.database ? { database: opts.database } : {}),
          },
          manager.options,
        );
        if (opts.wait) {
          await waitForChange(manager, instance.id, 'create-user', async () => {
            const found = (
              await manager.api.listDatabaseUsers(instance.id, manager.options)
            ).find(u => u.name === user);
            if (found) made = found;
            return found?.status === 'ready';
          });
        }
        print(output, made, () => usersTable([made]));
      },
    );

  users
    .command('delete')
    .argument('<name-or-id>')
    .argument('<user>')
    .description('Remove a user; its sessions end')
    .option(...WAIT)
    .addHelpText(
      'after',
      '\nExample:\n  dbaas users delete orders-db reporting --wait',
    )
    .action(
      async (nameOrId: string, user: string, opts: { wait?: boolean }) => {
        const { manager, output } = ctx();
        const instance = await findInstance(manager, nameOrId);
        let deleted = await manager.api.deleteDatabaseUser(
          instance.id,
          user,
          manager.options,
        );
        if (opts.wait) {
          await waitForChange(manager, instance.id, 'delete-user', async () => {
            const left = (
              await manager.api.listDatabaseUsers(instance.id, manager.options)
            ).find(u => u.name === user);
            if (left) deleted = left;
            return !left;
          });
          if (!process.exitCode) {
            process.stderr.write(`${instance.name}: user ${user} deleted\n`);
            return;
          }
        }
        print(output, deleted, () => usersTable([deleted]));
      },
    );

  users
    .command('credentials')
    .argument('<name-or-id>')
    .argument('<user>')
    .description(
      "Print a user's password and connection details (every read is audited)",
    )
    .option('--format <format>', `one of ${FORMATS.join(', ')}`, 'env')
    .addHelpText(
      'after',
      '\nExamples:\n  dbaas users credentials orders-db reporting --format uri\n  eval "$(dbaas users credentials orders-db reporting)"',
    )
    .action(
      async (nameOrId: string, user: string, opts: { format: string }) => {
        const { manager } = ctx();
        if (!(FORMATS as readonly string[]).includes(opts.format)) {
          throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
        }
        const instance = await findInstance(manager, nameOrId);
        printCredentials(
          await manager.api.getDatabaseUserCredentials(
            instance.id,
            user,
            manager.options,
          ),
          opts.format,
        );
      },
    );

  const databases = program
    .command('databases')
    .argument('<name-or-id>')
    .description(
      "List the databases on a database's server, the application database first (subcommands: create, delete)",
    )
    .addHelpText(
      'after',
      '\nExamples:\n  dbaas databases orders-db\n  dbaas databases create orders-db sales --wait\n  dbaas databases delete orders-db sales --yes --wait',
    )
    .action(async (nameOrId: string) => {
      const { manager, output } = ctx();
      const instance = await findInstance(manager, nameOrId);
      const items = await manager.api.listDatabases(
        instance.id,
        manager.options,
      );
      print(output, items, () => databasesTable(items));
    });

  databases
    .command('create')
    .argument('<name-or-id>')
    .argument('<db>', '1-31 lower-case letters, digits and underscores')
    .description(
      'Make another database on the server, owned by the application user',
    )
    .option(...WAIT)
    .addHelpText(
      'after',
      '\nExample:\n  dbaas databases create orders-db sales --wait',
    )
    .action(async (nameOrId: string, db: string, opts: { wait?: boolean }) => {
      const { manager, output } = ctx();
      const instance = await findInstance(manager, nameOrId);
      let made = await manager.api.createDatabase(
        instance.id,
        { name: db },
        manager.options,
      );
      if (opts.wait) {
        await waitForChange(
          manager,
          instance.id,
          'create-database',
          async () => {
            const found = (
              await manager.api.listDatabases(instance.id, manager.options)
            ).find(d => d.name === db);
            if (found) made = found;
            return found?.status === 'ready';
          },
        );
      }
      print(output, made, () => databasesTable([made]));
    });

  databases
    .command('delete')
    .argument('<name-or-id>')
    .argument('<db>')
    .description(
      'Drop a database made with `dbaas databases create`, with its data (not the application database, nor one a user still uses)',
    )
    .option('--yes', 'do not ask to type the name')
    .option(...WAIT)
    .addHelpText(
      'after',
      '\nExample:\n  dbaas databases delete orders-db sales --yes --wait',
    )
    .action(
      async (
        nameOrId: string,
        db: string,
        opts: { yes?: boolean; wait?: boolean },
      ) => {
        const { manager, output } = ctx();
        const instance = await findInstance(manager, nameOrId);
        if (!opts.yes) await confirmByName('database', db);
        let deleted = await manager.api.deleteDatabase(
          instance.id,
          db,
          manager.options,
        );
        if (opts.wait) {
          await waitForChange(
            manager,
            instance.id,
            'delete-database',
            async () => {
              const left = (
                await manager.api.listDatabases(instance.id, manager.options)
              ).find(d => d.name === db);
              if (left) deleted = left;
              return !left;
            },
          );
          if (!process.exitCode) {
            process.stderr.write(`${instance.name}: database ${db} deleted\n`);
            return;
          }
        }
        print(output, deleted, () => databasesTable([deleted]));
      },
    );
}
