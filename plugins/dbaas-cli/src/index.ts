/**
 * `dbaas`: the DBaaS Manager from a terminal.
 *
 * @packageDocumentation
 */
import { ResponseError } from '@backstage/errors';
import { Command, CommanderError, Option } from 'commander';
import { managerClient } from './client';
import { registerAccessCommands } from './commands/access';
import { registerAdminCommands } from './commands/admin';
import { registerBackupCommands } from './commands/backups';
import { registerConfigurationCommands } from './commands/configuration';
import { registerDatabaseObjectCommands } from './commands/databaseObjects';
import { registerInstanceCommands } from './commands/instances';
import { registerLifecycleCommands } from './commands/lifecycle';
import { registerLoginCommand } from './commands/login';
import { registerOperationCommands } from './commands/operations';
import { registerLogsCommand } from './commands/logs';
import { registerMaintenanceCommands } from './commands/maintenance';
import { registerStorageCommands } from './commands/storage';
import { Output, OUTPUTS } from './output';
import { resolveSettings, UsageError } from './settings';

const program = new Command('dbaas')
  .description(
    'Self-service databases from the DBaaS Manager of a Backstage portal',
  )
  .option(
    '--url <url>',
    'the Backstage backend, e.g. https://backstage.example.net (env: DBAAS_URL)',
  )
  .option('--token <token>', 'a Backstage token (env: DBAAS_TOKEN)')
  .addOption(
    new Option('-o, --output <format>', 'output of read commands')
      .choices(OUTPUTS)
      .default('table'),
  )
  .option('--debug', 'show stack traces')
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(text) });

const ctx = () => {
  const opts = program.opts<{ url?: string; token?: string; output: Output }>();
  return { manager: managerClient(resolveSettings(opts)), output: opts.output };
};

registerLoginCommand(program);
registerInstanceCommands(program, ctx);
registerLifecycleCommands(program, ctx);
registerOperationCommands(program, ctx);
registerStorageCommands(program, ctx);
registerDatabaseObjectCommands(program, ctx);
registerConfigurationCommands(program, ctx);
registerMaintenanceCommands(program, ctx);
registerLogsCommand(program, ctx);
registerAccessCommands(program, ctx);
registerBackupCommands(program, ctx);
registerAdminCommands(program, ctx);

program.parseAsync(process.argv).catch(error => {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
    return;
  }
  if (program.opts().debug) {
    process.stderr.write(`${error.stack}\n`);
  }
  if (error instanceof ResponseError) {
    process.stderr.write(
      `error: ${error.response.status} ${error.response.statusText}: ${
        error.body?.error?.message ?? error.message
      }\n`,
    );
  } else if (error instanceof TypeError && error.message === 'fetch failed') {
    const url =
      program.opts().url ?? process.env.DBAAS_URL ?? 'the configured URL';
    process.stderr.write(
      `error: could not reach the Backstage backend at ${url} (${
        (error.cause as Error)?.message ?? error.message
      }); check --url\n`,
    );
  } else {
    process.stderr.write(`error: ${error.message}\n`);
  }
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
