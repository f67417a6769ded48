import { Instance, StoragePolicyInput } from '@dbaas/plugin-dbaas-common';
import { Command, Option } from 'commander';
import { findInstance, Manager } from '../client';
import { Output, print } from '../output';
import { UsageError } from '../settings';
import { waitForOperation } from './operations';

type Ctx = () => { manager: Manager; output: Output };

const GiB = 1024 ** 3;

/** A whole number of GiB from an option, else a usage error naming it. */
export function parseGiB(option: string, value: string): number {
  const n = Number(value);
  if (!value.trim() || !Number.isInteger(n) || n < 1) {
    throw new UsageError(`${option} must be a whole number of GiB`);
  }
  return n;
}

/** `--auto-grow on|off` and `--max <GiB>|flavor` as a PATCH's `storage`; undefined: neither. */
export function storagePolicyInput(opts: {
  autoGrow?: string;
  max?: string;
}): StoragePolicyInput | undefined {
  if (opts.autoGrow === undefined && opts.max === undefined) return undefined;
  const input: StoragePolicyInput = {};
  if (opts.autoGrow !== undefined) input.autoGrow = opts.autoGrow === 'on';
  if (opts.max !== undefined) {
    input.maxGiB = opts.max === 'flavor' ? null : parseGiB('--max', opts.max);
  }
  return input;
}

/** "45%", or "-" until the Manager measured the storage. */
export function usedPercent(instance: Instance): string {
  const percent = instance.storage?.usedPercent;
  return percent === null || percent === undefined
    ? '-'
    : `${Math.floor(percent)}%`;
}

/** "0.9 GiB", or "-" until measured. */
function usedGiB(instance: Instance): string {
  const bytes = instance.storage?.usedBytes;
  if (bytes === null || bytes === undefined) return '-';
  return `${Number((bytes / GiB).toFixed(2))} GiB`;
}

/** "on, up to 20 GiB", "on, up to the flavor's max", "off". */
export function autoGrowText(instance: Instance): string {
  const storage = instance.storage;
  if (!storage) return '-';
  if (!storage.autoGrow) return 'off';
  return `on, up to ${
    storage.maxGiB === null ? "the flavor's max" : `${storage.maxGiB} GiB`
  }`;
}

/** One row per instance: its size, what is used of it, how it grows. */
export function storageTable(instance: Instance) {
  return {
    columns: [
      'NAME',
      'SIZE',
      'USED',
      'USED%',
      'STATE',
      'READ-ONLY',
      'AUTO-GROW',
    ],
    rows: [
      [
        instance.name,
        `${instance.storageGiB} GiB`,
        usedGiB(instance),
        usedPercent(instance),
        instance.storage?.state ?? '-',
        instance.storage?.readOnly ? 'yes' : 'no',
        autoGrowText(instance),
      ],
    ],
  };
}

/** What `dbaas storage` prints as JSON or YAML: the size with the storage's state. */
const storageValue = (instance: Instance) => ({
  name: instance.name,
  id: instance.id,
  storageGiB: instance.storageGiB,
  ...instance.storage,
});

export function registerStorageCommands(program: Command, ctx: Ctx) {
  program
    .command('resize')
    .argument('<name-or-id>')
    .description(
      "Grow a running database's storage (it never shrinks), within its flavor's maximum and the owner's quota",
    )
    .requiredOption('--storage <GiB>', 'the new size in GiB, larger than now')
    .option(
      '--wait',
      'wait until the resize is done (exit code 1 if it failed), with progress, and print the new size',
    )
    .addHelpText(
      'after',
      '\nExample:\n  dbaas resize orders-db --storage 20 --wait',
    )
    .action(
      async (nameOrId: string, opts: { storage: string; wait?: boolean }) => {
        const { manager, output } = ctx();
        const storageGiB = parseGiB('--storage', opts.storage);
        const found = await findInstance(manager, nameOrId);
        let instance = await manager.api.updateInstance(
          found.id,
          { storageGiB },
          manager.options,
        );
        if (opts.wait && instance.operation) {
          instance = await waitForOperation(
            manager,
            instance,
            'resize-storage',
            'running',
            i => i.storageGiB >= storageGiB,
          );
        }
        print(output, instance, () => ({
          columns: ['NAME', 'ID', 'STATUS', 'STORAGE', 'OPERATION'],
          rows: [
            [
              instance.name,
              instance.id,
              instance.status,
              `${instance.storageGiB} GiB`,
              instance.operation?.type === 'resize-storage'
                ? `resize-storage to ${instance.operation.storageGiB} GiB`
                : instance.operation?.type ?? '-',
            ],
          ],
        }));
      },
    );

  program
    .command('storage')
    .argument('<name-or-id>')
    .description(
      "Show a database's storage (size, used, state, read-only, auto-grow), or change how it grows by itself",
    )
    .addOption(
      new Option(
        '--auto-grow <on|off>',
        'grow the storage by itself: at 80 % used by 10 % (at least 1 GiB)',
      ).choices(['on', 'off']),
    )
    .option(
      '--max <GiB|flavor>',
      "auto-grow up to this many GiB; flavor: up to the flavor's maximum",
    )
    .addHelpText(
      'after',
      '\nExamples:\n  dbaas storage orders-db\n  dbaas storage orders-db --auto-grow on --max 50\n  dbaas storage orders-db --max flavor',
    )
    .action(
      async (nameOrId: string, opts: { autoGrow?: string; max?: string }) => {
        const { manager, output } = ctx();
        const storage = storagePolicyInput(opts);
        let instance = await findInstance(manager, nameOrId);
        if (storage) {
          instance = await manager.api.updateInstance(
            instance.id,
            { storage },
            manager.options,
          );
        }
        print(output, storageValue(instance), () => storageTable(instance));
      },
    );
}
