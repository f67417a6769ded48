import {
  Instance,
  OperationType,
  PendingOperationType,
} from '@dbaas/plugin-dbaas-common';
import { Command } from 'commander';
import { findInstance, Manager } from '../client';
import { Output, print } from '../output';
import { pollInstance } from './lifecycle';
import { AT_OPTION, applyAtOption, reportScheduled } from './maintenance';

type Ctx = () => { manager: Manager; output: Output };

/** The operations these commands ask for (the Manager may know others). */
type Operation = Extract<
  OperationType,
  'stop' | 'start' | 'restart' | 'rotate-credentials'
>;

const OPERATIONS: Record<
  Operation,
  {
    description: string;
    ends: Instance['status'];
    call:
      | 'stopInstance'
      | 'startInstance'
      | 'restartInstance'
      | 'rotateCredentials';
  }
> = {
  stop: {
    description:
      'Stop a running database; its data stays, and it stays stopped until started',
    ends: 'stopped',
    call: 'stopInstance',
  },
  start: {
    description: 'Start a stopped database on the same data',
    ends: 'running',
    call: 'startInstance',
  },
  restart: {
    description: 'Stop and start a running database on the same data',
    ends: 'running',
    call: 'restartInstance',
  },
  'rotate-credentials': {
    description:
      'Give the application user a new password; the old one stops working (read the new one with dbaas credentials)',
    ends: 'running',
    call: 'rotateCredentials',
  },
};

/**
 * Polls until the operation is no longer under way; one that did not end in `ends` (or not
 * `succeeded`) sets exit code 1 and prints the fault its timeline has ("<type> failed: ...").
 */
export async function waitForOperation(
  manager: Manager,
  accepted: Instance,
  type: PendingOperationType,
  ends: Instance['status'],
  /**
   * Whether it did what was asked, beyond its status (e.g. a resize: the new size; a new user:
   * that it is listed ready)
   */
  succeeded: (instance: Instance) => boolean | Promise<boolean> = () => true,
): Promise<Instance> {
  const instance = await pollInstance(manager, accepted, i => !!i.operation);
  if (instance.status !== ends || !(await succeeded(instance))) {
    process.exitCode = 1;
    const since = accepted.operation?.requestedAt ?? '';
    const events = await manager.api.listEvents(instance.id, manager.options);
    const fault = events
      .filter(e => e.type === 'fault' && e.at >= since)
      .sort((a, b) => a.id - b.id)
      .at(-1);
    process.stderr.write(
      `error: ${
        fault?.message ??
        (instance.status !== ends
          ? `${type} did not end ${ends}; ${instance.name} is ${instance.status}`
          : `${type} did not do what was asked; ${instance.name} is ${instance.status}`)
      }\n`,
    );
  }
  return instance;
}

export function registerOperationCommands(program: Command, ctx: Ctx) {
  for (const [type, { description, ends, call }] of Object.entries(
    OPERATIONS,
  ) as [Operation, (typeof OPERATIONS)[Operation]][]) {
    const command = program
      .command(type)
      .argument('<name-or-id>')
      .description(description)
      .option(
        '--wait',
        `wait until the ${type} is done (exit code 1 if it failed), with progress`,
      );
    // only a restart may wait for the maintenance window
    if (type === 'restart') command.option(...AT_OPTION);
    command
      .addHelpText(
        'after',
        `\nExample${
          type === 'restart' ? 's' : ''
        }:\n  dbaas ${type} orders-db --wait${
          type === 'restart'
            ? `\n  dbaas ${type} orders-db --at next-window`
            : ''
        }`,
      )
      .action(
        async (nameOrId: string, opts: { wait?: boolean; at?: string }) => {
          const { manager, output } = ctx();
          const applyAt = applyAtOption(opts.at);
          const found = await findInstance(manager, nameOrId);
          let instance = await manager.api[call](found.id, {
            ...manager.options,
            ...(applyAt ? { applyAt } : {}),
          });
          // a scheduled one is not waited for: the window may be days away
          const scheduled = reportScheduled(instance, output);
          if (opts.wait && !scheduled) {
            instance = await waitForOperation(manager, instance, type, ends);
          }
          print(output, instance, () => ({
            columns: ['NAME', 'ID', 'STATUS', 'OPERATION'],
            rows: [
              [
                instance.name,
                instance.id,
                instance.status,
                instance.operation?.type ?? '-',
              ],
            ],
          }));
        },
      );
  }
}
