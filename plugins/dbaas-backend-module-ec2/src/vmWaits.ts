import { DescribeInstanceStatusCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  RuntimeFault,
  StepContext,
  waitFor,
  WaitOptions,
} from '@dbaas/plugin-dbaas-node';
import { AwsCall, AwsFault } from './awsErrors';
import { Ec2RuntimeConfig } from './config';
import { VmLookups } from './vmLookups';

/** How the EC2 runtime polls: every pollIntervalSeconds until the step's deadline. */
export function ec2WaitOptions(
  config: Pick<Ec2RuntimeConfig, 'pollIntervalSeconds'>,
  deadline: number,
  what: string,
): WaitOptions {
  return {
    deadline,
    intervalMs: config.pollIntervalSeconds * 1000,
    what,
    timeoutHint: 'dbaas.runtimes.ec2.startTimeoutSeconds',
  };
}

export interface VmWaitDeps {
  ec2: EC2Client;
  config: Pick<Ec2RuntimeConfig, 'pollIntervalSeconds'>;
  call: AwsCall;
  lookups: Pick<VmLookups, 'describeVm'>;
}

/** Waits on one VM's state, failing typed as soon as it cannot get there. */
export function createVmWaits({ ec2, config, call, lookups }: VmWaitDeps) {
  async function untilRunning(id: string, deadline: number, ctx: StepContext) {
    const vm = await waitFor(
      async () => {
        const found = await lookups.describeVm(id, ctx);
        const state = found?.State?.Name;
        if (state === 'shutting-down' || state === 'terminated') {
          const reason = found!.StateReason?.Message ?? 'no reason given';
          throw new RuntimeFault(
            /capacity/i.test(reason) ? 'HOST_CAPACITY' : 'HOST_UNAVAILABLE',
            `VM ${id} ${state} while starting: ${reason}`,
          );
        }
        if (state === 'stopping' || state === 'stopped') {
          throw new RuntimeFault(
            'HOST_UNAVAILABLE',
            `VM ${id} is ${state}: someone stopped it; start it in EC2 and retry, or delete the database`,
          );
        }
        return state === 'running' ? found : undefined;
      },
      ctx,
      ec2WaitOptions(config, deadline, `VM ${id} to be running`),
    );
    ctx.logger.info(`VM ${id} is running`);
    return vm;
  }

  /**
   * Brings a VM to `target` (stopped or running), asking EC2 with `send` whenever it is at
   * the opposite rest state, and waits until it is there; a VM on its way (pending,
   * stopping) is waited for first. A VM gone (terminated) fails typed.
   */
  async function untilAt(
    id: string,
    target: 'stopped' | 'running',
    send: () => Promise<void>,
    deadline: number,
    ctx: StepContext,
  ) {
    const vm = await waitFor(
      async () => {
        const found = await lookups.describeVm(id, ctx);
        const state = found?.State?.Name;
        if (!found || state === 'shutting-down' || state === 'terminated') {
          throw new RuntimeFault(
            'HOST_UNAVAILABLE',
            `VM ${id} is ${state ?? 'gone'}: its data volume went with it`,
          );
        }
        if (state === target) return found;
        const opposite = target === 'stopped' ? 'running' : 'stopped';
        if (state === opposite) {
          try {
            await send();
          } catch (error) {
            // it changed state between the look and the request: look again
            if ((error as AwsFault).awsCode !== 'IncorrectInstanceState') {
              throw error;
            }
          }
        }
        return undefined;
      },
      ctx,
      ec2WaitOptions(config, deadline, `VM ${id} to be ${target}`),
    );
    ctx.logger.info(`VM ${id} is ${target}`);
    return vm;
  }

  async function untilStatusOk(id: string, deadline: number, ctx: StepContext) {
    await waitFor(
      async () => {
        const result = await call('DescribeInstanceStatus', ctx, () =>
          ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id] })),
        );
        const status = result.InstanceStatuses?.[0];
        const instance = status?.InstanceStatus?.Status;
        const system = status?.SystemStatus?.Status;
        if (instance === 'impaired' || system === 'impaired') {
          throw new RuntimeFault(
            'HOST_UNAVAILABLE',
            `VM ${id} failed its status checks (instance: ${instance}, system: ${system})`,
          );
        }
        return instance === 'ok' && system === 'ok' ? true : undefined;
      },
      ctx,
      ec2WaitOptions(config, deadline, `VM ${id} to pass its status checks`),
    );
    ctx.logger.info(`VM ${id} passed its status checks`);
  }

  async function untilTerminated(
    id: string,
    deadline: number,
    ctx: StepContext,
  ) {
    await waitFor(
      async () => {
        const vm = await lookups.describeVm(id, ctx);
        return !vm || vm.State?.Name === 'terminated' ? true : undefined;
      },
      ctx,
      ec2WaitOptions(config, deadline, `VM ${id} to terminate`),
    );
    ctx.logger.info(`VM ${id} terminated`);
  }

  return { untilRunning, untilAt, untilStatusOk, untilTerminated };
}

export type VmWaits = ReturnType<typeof createVmWaits>;
