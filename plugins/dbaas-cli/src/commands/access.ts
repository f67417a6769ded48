import { Command } from 'commander';
import { spawn } from 'child_process';
import { findInstance, Manager } from '../client';
import { Output } from '../output';
import { UsageError } from '../settings';

type Ctx = () => { manager: Manager; output: Output };
const FORMATS = ['env', 'uri', 'json'] as const;

export function registerAccessCommands(program: Command, ctx: Ctx) {
  program
    .command('credentials')
    .argument('<name-or-id>')
    .description(
      'Print the password and connection details (to the terminal only on request)',
    )
    .option('--format <format>', `one of ${FORMATS.join(', ')}`, 'env')
    .addHelpText(
      'after',
      '\nExamples:\n  dbaas credentials orders-db --format uri\n  eval "$(dbaas credentials orders-db --format env)"',
    )
    .action(async (nameOrId: string, opts: { format: string }) => {
      const { manager } = ctx();
      if (!(FORMATS as readonly string[]).includes(opts.format)) {
        throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
      }
      const instance = await findInstance(manager, nameOrId);
      const c = await manager.api.getCredentials(instance.id, manager.options);
      if (opts.format === 'json') {
        process.stdout.write(`${JSON.stringify(c, null, 2)}\n`);
      } else if (opts.format === 'uri') {
        process.stdout.write(`${c.uri}\n`);
      } else {
        const quote = (v: string | number) =>
          `'${String(v).replace(/'/g, `'\\''`)}'`;
        const lines = [
          `DB_HOST=${quote(c.host)}`,
          `DB_PORT=${quote(c.port)}`,
          `DB_NAME=${quote(c.database)}`,
          `DB_USER=${quote(c.username)}`,
          `DB_PASSWORD=${quote(c.password)}`,
          `DATABASE_URL=${quote(c.uri)}`,
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      }
    });

  program
    .command('connect')
    .argument('<name-or-id>')
    .description(
      'Open psql or mysql on the database; the password goes in the environment, not the command line',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  dbaas connect orders-db\n  dbaas connect orders-db < migrate.sql',
    )
    .action(async (nameOrId: string) => {
      const { manager } = ctx();
      const instance = await findInstance(manager, nameOrId);
      const c = await manager.api.getCredentials(instance.id, manager.options);
      const [command, args, env] =
        instance.engine === 'postgresql'
          ? [
              'psql',
              [
                '-h',
                c.host,
                '-p',
                String(c.port),
                '-U',
                c.username,
                '-d',
                c.database,
                '-v',
                'ON_ERROR_STOP=1',
              ],
              { PGPASSWORD: c.password },
            ]
          : [
              'mysql',
              [
                '-h',
                c.host,
                '-P',
                String(c.port),
                '-u',
                c.username,
                c.database,
              ],
              { MYSQL_PWD: c.password },
            ];
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(command, args, {
          stdio: 'inherit',
          env: { ...process.env, ...env },
        });
        child.on('error', error =>
          reject(
            new UsageError(
              `Could not start ${command} (${error.message}); install the ${command} client`,
            ),
          ),
        );
        child.on('exit', exitCode => resolve(exitCode ?? 1));
      });
      process.exitCode = code;
    });
}
