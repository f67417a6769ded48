import { Credentials, Instance } from '@dbaas/plugin-dbaas-common';
import { Command } from 'commander';
import { spawn } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { findInstance, Manager } from '../client';
import { Output } from '../output';
import { UsageError } from '../settings';

type Ctx = () => { manager: Manager; output: Output };
export const FORMATS = ['env', 'uri', 'json'] as const;

/** Credentials as JSON, the URI alone, or shell variables (DB_HOST=... DATABASE_URL=...). */
export function printCredentials(c: Credentials, format: string) {
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  }
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(c, null, 2)}\n`);
  } else if (format === 'uri') {
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
}

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
      printCredentials(c, opts.format);
    });

  program
    .command('ca')
    .argument('<name-or-id>')
    .description(
      "Print the CA certificate (PEM) that the database server's certificate is verified with",
    )
    .addHelpText(
      'after',
      '\nExamples:\n  dbaas ca orders-db > orders-ca.crt\n  psql "host=<host> port=<port> dbname=<db> user=<user> sslmode=verify-full sslrootcert=orders-ca.crt"\n  mariadb --ssl-verify-server-cert --ssl-ca=orders-ca.crt -h <host> -P <port> -u <user> -p <db>',
    )
    .action(async (nameOrId: string) => {
      const { manager } = ctx();
      const instance = await findInstance(manager, nameOrId);
      process.stdout.write(
        await manager.api.getCaCertificate(instance.id, manager.options),
      );
    });

  program
    .command('connect')
    .argument('<name-or-id>')
    .description(
      "Open psql or mariadb/mysql on the database, verifying the server's certificate with the Manager's CA; the password goes in the environment, not the command line",
    )
    .addHelpText(
      'after',
      '\nExamples:\n  dbaas connect orders-db\n  dbaas connect orders-db < migrate.sql',
    )
    .action(async (nameOrId: string) => {
      const { manager } = ctx();
      const instance = await findInstance(manager, nameOrId);
      const c = await manager.api.getCredentials(instance.id, manager.options);
      // the CA in a file of our own for the client, removed when it exits
      const dir = c.ca
        ? fs.mkdtempSync(path.join(os.tmpdir(), 'dbaas-ca-'))
        : undefined;
      const caFile = dir && path.join(dir, 'ca.crt');
      if (caFile) fs.writeFileSync(caFile, c.ca!, { mode: 0o600 });
      const [command, args, env] = clientCommand(instance, c, caFile);
      try {
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
      } finally {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
      }
    });
}

/**
 * The client and its arguments: psql with `sslmode=verify-full sslrootcert=<ca>`, MariaDB's
 * client with `--ssl-verify-server-cert --ssl-ca=<ca>`, or MySQL's own with
 * `--ssl-mode=VERIFY_IDENTITY --ssl-ca=<ca>` where no `mariadb` is installed.
 */
function clientCommand(
  instance: Instance,
  c: Credentials,
  caFile: string | undefined,
): [string, string[], Record<string, string>] {
  if (instance.engine === 'postgresql') {
    const quote = (v: string) =>
      `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    const conninfo = [
      `dbname=${quote(c.database)}`,
      ...(caFile
        ? ['sslmode=verify-full', `sslrootcert=${quote(caFile)}`]
        : []),
    ].join(' ');
    return [
      'psql',
      [
        '-h',
        c.host,
        '-p',
        String(c.port),
        '-U',
        c.username,
        '-d',
        conninfo,
        '-v',
        'ON_ERROR_STOP=1',
      ],
      { PGPASSWORD: c.password },
    ];
  }
  const mariadb = onPath('mariadb');
  let tls: string[] = [];
  if (caFile) {
    tls = mariadb
      ? ['--ssl-verify-server-cert', `--ssl-ca=${caFile}`]
      : ['--ssl-mode=VERIFY_IDENTITY', `--ssl-ca=${caFile}`];
  }
  return [
    mariadb ? 'mariadb' : 'mysql',
    ['-h', c.host, '-P', String(c.port), '-u', c.username, ...tls, c.database],
    { MYSQL_PWD: c.password },
  ];
}

function onPath(binary: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some(dir => {
    try {
      fs.accessSync(path.join(dir, binary), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
