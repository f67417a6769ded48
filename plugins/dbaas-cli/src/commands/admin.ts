import { Command } from 'commander';
import { Manager } from '../client';
import { Output } from '../output';

type Ctx = () => { manager: Manager; output: Output };

/** Commands for platform admins (need `dbaas.admin`). */
export function registerAdminCommands(program: Command, ctx: Ctx) {
  const admin = program
    .command('admin')
    .description('Operate the DBaaS Manager itself (needs dbaas.admin)');
  admin
    .command('reseal')
    .description(
      'Seal every stored secret again under the first key of dbaas.encryption.keys',
    )
    .addHelpText(
      'after',
      '\nRotate a key: put the new key first in dbaas.encryption.keys (keep the old one), restart, then\n\nExample:\n  dbaas admin reseal\n\nWhen it reports nothing unreadable, remove the old key and restart again.',
    )
    .action(async () => {
      const { manager, output } = ctx();
      const report = await manager.api.resealSecrets(manager.options);
      if (output === 'json') {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        process.stdout.write(
          `Sealed under key ${report.keyId}: ${report.resealed} re-sealed, ${report.alreadyCurrent} already current\n`,
        );
      }
      if (report.unreadable.length) {
        process.stderr.write(
          `Unreadable with every configured key (left as they are): ${report.unreadable.join(
            ', ',
          )}\n`,
        );
        process.exitCode = 1;
      }
    });
  admin
    .command('leaks')
    .description(
      'List failed creates whose server or host could not be removed yet (the janitor retries them)',
    )
    .addHelpText(
      'after',
      "\nExample:\n  dbaas admin leaks --output json\n\nEach still counts in its owner's quota until the janitor has removed it.",
    )
    .action(async () => {
      const { manager, output } = ctx();
      const leaks = await manager.api.listLeaks(manager.options);
      if (output === 'json') {
        process.stdout.write(`${JSON.stringify(leaks, null, 2)}\n`);
        return;
      }
      if (!leaks.length) {
        process.stdout.write('Nothing left behind by failed creates\n');
        return;
      }
      for (const leak of leaks) {
        process.stdout.write(
          `${leak.name} (${leak.id}) on ${leak.runtime}${
            leak.host ? ` at ${leak.host}` : ''
          }, owner ${leak.owner}: failed ${leak.failedAt}, ${
            leak.attempts
          } clean-up attempt(s); last error: ${leak.lastError ?? 'none yet'}\n`,
        );
      }
    });
}
