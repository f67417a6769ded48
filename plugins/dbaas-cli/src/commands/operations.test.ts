import { DbaasApi, Instance, InstanceEvent } from '@dbaas/plugin-dbaas-common';
import { Manager } from '../client';
import { waitForOperation } from './operations';

describe('waitForOperation', () => {
  const base = { id: 'i-1', name: 'op-db' } as Instance;
  const accepted: Instance = {
    ...base,
    status: 'running',
    operation: {
      type: 'restart',
      requestedBy: 'user:default/alice',
      requestedAt: '2026-11-26T10:00:00.000Z',
    },
  };
  const event = (
    id: number,
    at: string,
    type: InstanceEvent['type'],
    message: string,
  ): InstanceEvent => ({
    id,
    instanceId: 'i-1',
    at,
    type,
    message,
    actor: 'dbaas',
    data: null,
  });
  let stderr: string;

  beforeEach(() => {
    stderr = '';
    jest.spyOn(process.stderr, 'write').mockImplementation(chunk => {
      stderr += chunk;
      return true;
    });
  });

  afterEach(() => {
    jest.restoreAllMocks();
    process.exitCode = undefined;
  });

  const manager = (after: Instance, events: InstanceEvent[] = []) =>
    ({
      api: {
        getInstance: jest.fn(async () => after),
        listEvents: jest.fn(async () => events),
      } as Partial<DbaasApi>,
      options: { token: 't' },
    } as unknown as Manager);

  it('ends with exit code 0 when the operation left the expected status', async () => {
    const done = await waitForOperation(
      manager({ ...base, status: 'running', operation: null }),
      accepted,
      'restart',
      'running',
    );

    expect(done.status).toBe('running');
    expect(process.exitCode).toBeUndefined();
    expect(stderr).toMatch(
      /^op-db: running \(restart under way\) 0s\nop-db: running \d+s\n$/,
    );
  });

  it("sets exit code 1 and prints the operation's fault from the timeline", async () => {
    const done = await waitForOperation(
      manager({ ...base, status: 'stopped', operation: null }, [
        event(1, '2026-11-26T09:00:00.000Z', 'fault', 'start failed: older'),
        event(2, '2026-11-26T10:00:00.000Z', 'operation', 'start requested'),
        event(
          3,
          '2026-11-26T10:00:05.000Z',
          'fault',
          'start failed: HOST_UNAVAILABLE: the server did not come up',
        ),
      ]),
      {
        ...accepted,
        status: 'stopped',
        operation: { ...accepted.operation!, type: 'start' },
      },
      'start',
      'running',
    );

    expect(done.status).toBe('stopped');
    expect(process.exitCode).toBe(1);
    expect(stderr).toMatch(
      /op-db: stopped \d+s\nerror: start failed: HOST_UNAVAILABLE: the server did not come up\n$/,
    );
  });

  it('waits for a resize and fails it when the size did not grow', async () => {
    const resize = {
      ...accepted,
      storageGiB: 2,
      operation: {
        ...accepted.operation!,
        type: 'resize-storage' as const,
        storageGiB: 3,
      },
    };
    const grown = await waitForOperation(
      manager({ ...base, status: 'running', storageGiB: 3, operation: null }),
      resize,
      'resize-storage',
      'running',
      i => i.storageGiB >= 3,
    );
    expect(grown.storageGiB).toBe(3);
    expect(process.exitCode).toBeUndefined();
    expect(stderr).toMatch(/op-db: running \(resize-storage under way\) 0s\n/);

    await waitForOperation(
      manager({ ...base, status: 'running', storageGiB: 2, operation: null }),
      resize,
      'resize-storage',
      'running',
      i => i.storageGiB >= 3,
    );
    expect(process.exitCode).toBe(1);
    expect(stderr).toMatch(
      /error: resize-storage did not do what was asked; op-db is running\n$/,
    );
  });

  it('names the status when the timeline has no fault for it', async () => {
    await waitForOperation(
      manager({ ...base, status: 'running', operation: null }, [
        event(1, '2026-11-26T09:00:00.000Z', 'fault', 'stop failed: older'),
      ]),
      { ...accepted, operation: { ...accepted.operation!, type: 'stop' } },
      'stop',
      'stopped',
    );

    expect(process.exitCode).toBe(1);
    expect(stderr).toMatch(
      /error: stop did not end stopped; op-db is running\n$/,
    );
  });
});
