import { renderInTestApp } from '@backstage/frontend-test-utils';
import { ResponseError } from '@backstage/errors';
import { Instance } from '@dbaas/plugin-dbaas-common';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { useLocation } from 'react-router-dom';
import { dbaasApiRef } from '../../api';
import { rootRouteRef } from '../../routes';
import { backup, fakeApi, instance } from '../../testUtils/fakeApi';
import { InstanceDetails } from '../InstancePage';
import { formatBytes } from './formatBytes';
import { BackupsTab } from './BackupsTab';

const Location = () => (
  <div data-testid="location">{useLocation().pathname}</div>
);

function render(api = fakeApi(), overrides: Partial<Instance> = {}) {
  return renderInTestApp(
    <>
      <BackupsTab instance={instance(overrides)} />
      <Location />
    </>,
    {
      apis: [[dbaasApiRef, api]],
      mountedRoutes: {
        '/dbaas': rootRouteRef,
        '/catalog/:namespace/:kind/:name': entityRouteRef,
      },
    },
  );
}

/** A refusal as the client throws it, with the Manager's message. */
function refused(status: number, message: string) {
  return ResponseError.fromResponse(
    new Response(
      JSON.stringify({
        error: { name: 'InputError', message },
        response: { statusCode: status },
      }),
      {
        status,
        headers: { 'Content-Type': 'application/json' },
      },
    ),
  );
}

describe('BackupsTab', () => {
  it('is a tab of the instance page', async () => {
    const api = fakeApi();
    await renderInTestApp(<InstanceDetails id="i-1" />, {
      apis: [[dbaasApiRef, api]],
      mountedRoutes: {
        '/dbaas': rootRouteRef,
        '/catalog/:namespace/:kind/:name': entityRouteRef,
      },
    });
    fireEvent.click(await screen.findByRole('tab', { name: 'Backups' }));
    expect(
      await screen.findByRole('button', { name: 'Back up now' }),
    ).toBeInTheDocument();
    expect(api.listBackups).toHaveBeenCalledWith('i-1');
  });

  it('lists the backups and shows the recovery window', async () => {
    const api = fakeApi({
      listBackups: jest.fn(async () => [
        backup({
          id: 'b-2',
          status: 'failed',
          trigger: 'scheduled',
          size: null,
          restorableFrom: null,
          fault: {
            code: 'BACKUP_STORE_UNAVAILABLE',
            message: 'store unreachable',
          },
        }),
        backup(),
      ]),
    });
    await render(api);

    expect(await screen.findByText('completed')).toBeInTheDocument();
    expect(screen.getByText('failed')).toBeInTheDocument();
    expect(screen.getByText('manual')).toBeInTheDocument();
    expect(screen.getByText('scheduled')).toBeInTheDocument();
    expect(screen.getByText('5 MiB')).toBeInTheDocument();
    expect(screen.getAllByText('2h ago')).toHaveLength(2);
    expect(screen.getByText(/store unreachable/)).toBeInTheDocument();
    expect(screen.getByTestId('dbaas-window-earliest')).toHaveTextContent(
      new Date('2026-03-01T10:00:00.000Z').toLocaleString(),
    );
    expect(screen.getByTestId('dbaas-window-latest')).toHaveTextContent(
      new Date('2026-03-02T10:00:00.000Z').toLocaleString(),
    );
  });

  it('says when there is no completed backup yet', async () => {
    await render(
      fakeApi({
        listBackups: jest.fn(async () => []),
        getRecoveryWindow: jest.fn(async () => ({
          earliest: null,
          latest: null,
        })),
      }),
    );
    expect(
      await screen.findByText('No completed backup yet'),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Restore to a new database' }),
    ).toBeDisabled();
  });

  it('backs up now, and polls every 2 s while a backup runs', async () => {
    const api = fakeApi();
    await render(api);
    const button = await screen.findByRole('button', { name: 'Back up now' });
    expect(api.listBackups).toHaveBeenCalledTimes(1);

    api.listBackups
      .mockResolvedValueOnce([
        backup({ id: 'b-new', status: 'running', size: null }),
        backup(),
      ])
      .mockResolvedValueOnce([
        backup({ id: 'b-new', status: 'running', size: null }),
        backup(),
      ]);
    jest.useFakeTimers();
    try {
      fireEvent.click(button);
      await waitFor(() => expect(api.createBackup).toHaveBeenCalledWith('i-1'));
      await waitFor(() =>
        expect(screen.getByText('running')).toBeInTheDocument(),
      );
      expect(api.listBackups).toHaveBeenCalledTimes(2);

      await act(async () => {
        jest.advanceTimersByTime(2000);
      });
      await waitFor(() => expect(api.listBackups).toHaveBeenCalledTimes(3));
      // the third answer has no running backup: polling stops
      await act(async () => {
        jest.advanceTimersByTime(2000);
      });
      await waitFor(() => expect(api.listBackups).toHaveBeenCalledTimes(4));
      await waitFor(() =>
        expect(screen.queryByText('running')).not.toBeInTheDocument(),
      );
      await act(async () => {
        jest.advanceTimersByTime(10000);
      });
      expect(api.listBackups).toHaveBeenCalledTimes(4);
    } finally {
      jest.useRealTimers();
    }
  });

  it('offers no backup of a database that is not running', async () => {
    await render(fakeApi(), { status: 'provisioning' });
    expect(
      await screen.findByRole('button', { name: 'Back up now' }),
    ).toBeDisabled();
  });

  it('deletes a backup after confirming, and shows why the Manager refused', async () => {
    const message =
      'the only completed backup the recovery window of orders-db starts from cannot be deleted';
    const conflict = await refused(409, message);
    const api = fakeApi();
    api.deleteBackup.mockRejectedValueOnce(conflict);
    await render(api);

    fireEvent.click(
      await screen.findByRole('button', { name: 'Delete backup b-1' }),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Delete backup' }));
    expect(await screen.findByText(message)).toBeInTheDocument();
    expect(api.deleteBackup).toHaveBeenCalledWith('b-1');

    fireEvent.click(screen.getByRole('button', { name: 'Delete backup' }));
    await waitFor(() => expect(api.deleteBackup).toHaveBeenCalledTimes(2));
    await waitFor(() =>
      expect(screen.queryByText(message)).not.toBeInTheDocument(),
    );
  });

  it('restores a backup into a new database and opens its page', async () => {
    const api = fakeApi({
      createInstance: jest.fn(async () =>
        instance({ id: 'i-2', name: 'orders-db-restore' }),
      ),
    });
    await render(api);

    fireEvent.click(
      await screen.findByRole('button', { name: 'Restore to a new database' }),
    );
    expect(screen.getByLabelText('New database name')).toHaveValue(
      'orders-db-restore',
    );
    expect(screen.getByLabelText('Owner')).toHaveValue('group:default/team-a');
    expect(screen.getByLabelText('Backup')).toHaveValue('b-1');
    fireEvent.click(screen.getByRole('button', { name: 'Restore' }));

    await waitFor(() =>
      expect(api.createInstance).toHaveBeenCalledWith({
        name: 'orders-db-restore',
        owner: 'group:default/team-a',
        flavorId: 'postgresql-17-small',
        restoreFrom: { backupId: 'b-1' },
      }),
    );
    await waitFor(() =>
      expect(screen.getByTestId('location')).toHaveTextContent(
        '/dbaas/instances/i-2',
      ),
    );
  });

  it('restores a moment in the recovery window, and shows a refusal naming the field', async () => {
    const api = fakeApi({
      createInstance: jest.fn(async () => instance({ id: 'i-3' })),
    });
    api.createInstance.mockRejectedValueOnce(
      await refused(400, 'name: must be a DNS label of 3–40 characters'),
    );
    await render(api);

    fireEvent.click(
      await screen.findByRole('button', { name: 'Restore to a new database' }),
    );
    fireEvent.click(
      screen.getByRole('radio', { name: 'A moment in the recovery window' }),
    );
    fireEvent.change(screen.getByLabelText('Point in time'), {
      target: { value: '2026-03-01T12:30:15' },
    });
    fireEvent.change(screen.getByLabelText('New database name'), {
      target: { value: 'X' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Restore' }));

    expect(
      await screen.findByText('name: must be a DNS label of 3–40 characters'),
    ).toBeInTheDocument();
    expect(screen.getByTestId('location')).not.toHaveTextContent('i-3');

    fireEvent.change(screen.getByLabelText('New database name'), {
      target: { value: 'orders-db-noon' },
    });
    fireEvent.change(screen.getByLabelText('Owner'), {
      target: { value: 'group:default/team-b' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Restore' }));

    await waitFor(() =>
      expect(api.createInstance).toHaveBeenLastCalledWith({
        name: 'orders-db-noon',
        owner: 'group:default/team-b',
        flavorId: 'postgresql-17-small',
        restoreFrom: {
          instanceId: 'i-1',
          pointInTime: new Date('2026-03-01T12:30:15').toISOString(),
        },
      }),
    );
    await waitFor(() =>
      expect(screen.getByTestId('location')).toHaveTextContent(
        '/dbaas/instances/i-3',
      ),
    );
  });
  it('shows the schedule and retention, and changes them (a refusal names the field)', async () => {
    const policy = {
      schedule: '@daily',
      retentionDays: 7,
      retentionCount: null,
    };
    const api = fakeApi({
      updateInstance: jest
        .fn()
        .mockRejectedValueOnce(
          await refused(
            400,
            "backup.schedule: 'nightly' is not a cron expression",
          ),
        )
        .mockImplementation(async (_id, patch) =>
          instance({ backup: { ...policy, ...patch.backup } }),
        ),
    });
    await render(api, { backup: policy });

    expect(
      await screen.findByText("Scheduled backups '@daily' (UTC); kept 7 days"),
    ).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Change' }));
    fireEvent.change(screen.getByLabelText('Schedule'), {
      target: { value: 'nightly' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(
      await screen.findByText(
        "backup.schedule: 'nightly' is not a cron expression",
      ),
    ).toBeInTheDocument();

    fireEvent.change(screen.getByLabelText('Schedule'), {
      target: { value: '0 3 * * *' },
    });
    fireEvent.change(screen.getByLabelText('Keep at most (backups)'), {
      target: { value: '5' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(
      await screen.findByText(
        "Scheduled backups '0 3 * * *' (UTC); kept 7 days, at most 5",
      ),
    ).toBeInTheDocument();
    expect(api.updateInstance).toHaveBeenLastCalledWith('i-1', {
      backup: { schedule: '0 3 * * *', retentionDays: 7, retentionCount: 5 },
    });
  });
});

describe('formatBytes', () => {
  it('writes sizes for people', () => {
    expect(formatBytes(null)).toBe('—');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5 GiB');
  });
});
