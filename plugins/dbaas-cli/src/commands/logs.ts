import { Command } from 'commander';
import { findInstance, Manager } from '../client';
import { UsageError } from '../settings';

type Ctx = () => { manager: Manager };

/** How often `--follow` asks for the log again. */
const FOLLOW_EVERY_MS = 2000;

/**
 * The lines of `next` after those already printed (`before`): it picks up where the last
 * printed lines appear in it; when they are gone (the log was cut), all of `next`.
 */
export function linesAfter(before: string[], next: string[]): string[] {
  // the most lines (up to 5) of what was printed last that `next` still holds
  for (let overlap = Math.min(5, before.length); overlap > 0; overlap--) {
    const tail = before.slice(-overlap);
    for (let end = next.length; end >= overlap; end--) {
      if (tail.every((line, i) => next[end - overlap + i] === line)) {
        return next.slice(end);
      }
    }
  }
  return next;
}

export function registerLogsCommand(program: Command, ctx: Ctx) {
  program
    .command('logs')
    .argument('<name-or-id>')
    .description("Show a database server's last log lines")
    .option('--tail <lines>', 'how many lines', '200')
    .option('-f, --follow', 'keep printing new lines until interrupted')
    .addHelpText('after', '\nExample:\n  dbaas logs orders-db --tail 50 -f')
    .action(
      async (nameOrId: string, opts: { tail: string; follow?: boolean }) => {
        const tail = Number(opts.tail);
        if (!Number.isInteger(tail) || tail < 1 || tail > 5000) {
          throw new UsageError(
            `--tail must be a whole number of lines from 1 to 5000, as the API allows (got ${opts.tail})`,
          );
        }
        const { manager } = ctx();
        const instance = await findInstance(manager, nameOrId);
        const read = async () =>
          (await manager.api.getLogs(instance.id, tail, manager.options))
            .split('\n')
            .filter((line, i, all) => line || i < all.length - 1);
        let printed = await read();
        for (const line of printed) process.stdout.write(`${line}\n`);
        while (opts.follow) {
          await new Promise(resolve => setTimeout(resolve, FOLLOW_EVERY_MS));
          const next = await read();
          for (const line of linesAfter(printed, next)) {
            process.stdout.write(`${line}\n`);
          }
          printed = next;
        }
      },
    );
}
