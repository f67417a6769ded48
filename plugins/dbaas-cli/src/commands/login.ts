import { Command } from 'commander';
import { managerClient } from '../client';
import { saveSettings, UsageError } from '../settings';

const HOW_TO_GET_A_TOKEN =
  "Open the portal's Databases page, choose CLI access, reveal and copy your token";

/**
 * `dbaas login`: signs the CLI in as the user whose token is pasted (from the portal's
 * CLI access panel). A service token is refused unless `--service` says that is meant.
 */
export function registerLoginCommand(program: Command) {
  program
    .command('login')
    .description(
      'Sign in as yourself: paste the token from the portal (Databases → CLI access); saved in ~/.config/dbaas/config.json',
    )
    .option('--url <url>', 'the Backstage backend (env: DBAAS_URL)')
    .option(
      '--token <token>',
      'the token (default: read from standard input, so it stays out of your shell history)',
    )
    .option(
      '--service',
      'accept a service token (a static external-access token): give it accessRestrictions and a dbaas.serviceAccess rule',
    )
    .addHelpText(
      'after',
      `\n${HOW_TO_GET_A_TOKEN}, then:\n\nExample:\n  dbaas login --url https://backstage.example.net\n  Paste your token: ****`,
    )
    .action(
      async (opts: { url?: string; token?: string; service?: boolean }) => {
        // commander hands --url to the program's own option of that name
        const given = opts.url ?? program.opts().url ?? process.env.DBAAS_URL;
        if (!given) {
          throw new UsageError(
            'No Backstage URL: dbaas login --url <backend url>',
          );
        }
        const token = (opts.token ?? (await readToken())).trim();
        if (!token) {
          throw new UsageError(`No token given. ${HOW_TO_GET_A_TOKEN}.`);
        }
        const url = given.replace(/\/+$/, '');
        const manager = managerClient({ url, token });
        const me = await manager.api.whoami(manager.options);
        if (me.type !== 'user' && !opts.service) {
          throw new UsageError(
            `That is a service token (${me.ref}), not yours: dbaas login signs you in as yourself. ${HOW_TO_GET_A_TOKEN}. For automation with a static token, pass --service (the token should carry accessRestrictions; see the README).`,
          );
        }
        const file = saveSettings({ url, token });
        const expires = expiryOf(token);
        process.stderr.write(
          `Signed in as ${me.ref}${
            expires ? ` until ${expires.toISOString()}` : ''
          }; saved to ${file}\n`,
        );
      },
    );
}

async function readToken(): Promise<string> {
  if (process.stdin.isTTY) {
    process.stderr.write(`${HOW_TO_GET_A_TOKEN}.\nPaste your token: `);
  }
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text;
}

/** A Backstage user token is a JWT: its `exp` says when `dbaas login` is due again. */
function expiryOf(token: string): Date | undefined {
  try {
    const payload = JSON.parse(
      Buffer.from(token.split('.')[1], 'base64url').toString('utf8'),
    );
    return typeof payload.exp === 'number'
      ? new Date(payload.exp * 1000)
      : undefined;
  } catch {
    return undefined;
  }
}
