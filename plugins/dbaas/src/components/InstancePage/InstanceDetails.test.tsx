import { renderInTestApp } from '@backstage/frontend-test-utils';
import { ResponseError } from '@backstage/errors';
import { Instance } from '@dbaas/plugin-dbaas-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { dbaasApiRef } from '../../api';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { rootRouteRef } from '../../routes';
import {
  CA_PEM,
  fakeApi,
  instance,
  metricsSample,
} from '../../testUtils/fakeApi';
import { PendingOperation } from '@dbaas/plugin-dbaas-common';
import { InstanceDetails } from './InstanceDetails';

function render(api = fakeApi()) {
  return renderInTestApp(<InstanceDetails id="i-1" />, {
    apis: [[dbaasApiRef, api]],
    mountedRoutes: {
      '/dbaas': rootRouteRef,
      '/catalog/:namespace/:kind/:name': entityRouteRef,
    },
  });
}

/** The page of the fake instance with `overrides`. */
const renderInstance = (overrides: Partial<Instance>) =>
  render(fakeApi({ getInstance: jest.fn(async () => instance(overrides)) }));

describe('InstanceDetails', () => {
  it('shows status, health, connection strings and the timeline, and the password only on Reveal', async () => {
    const api = fakeApi();
    await render(api);

    expect(await screen.findByText('orders-db')).toBeInTheDocument();
    expect(screen.getByText('running')).toBeInTheDocument();
    expect(screen.getByText('healthy')).toBeInTheDocument();
    // every way to connect verifies the server with the instance's CA
    expect(
      screen.getByText(
        'psql "host=127.0.0.1 port=5433 dbname=orders_db user=orders_db_app sslmode=verify-full sslrootcert=orders-db-ca.crt"',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        'postgresql://orders_db_app@127.0.0.1:5433/orders_db?sslmode=verify-full',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        'jdbc:postgresql://127.0.0.1:5433/orders_db?user=orders_db_app&sslmode=verify-full&sslrootcert=orders-db-ca.crt',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText('requested by user:default/alice'),
    ).toBeInTheDocument();
    expect(
      screen.queryByText('s3cret-s3cret-s3cret-s3cret'),
    ).not.toBeInTheDocument();
    expect(api.getCredentials).not.toHaveBeenCalled();

    fireEvent.click(screen.getByRole('button', { name: 'Reveal' }));

    expect(
      await screen.findByText('s3cret-s3cret-s3cret-s3cret'),
    ).toBeInTheDocument();
    expect(api.getCredentials).toHaveBeenCalledWith('i-1');
  });

  it('offers the CA certificate as a download, named as the connection strings name it', async () => {
    const api = fakeApi();
    const urls: Blob[] = [];
    const clicked: HTMLAnchorElement[] = [];
    Object.assign(URL, {
      createObjectURL: jest.fn((blob: Blob) => {
        urls.push(blob);
        return 'blob:ca';
      }),
      revokeObjectURL: jest.fn(),
    });
    const click = jest
      .spyOn(HTMLAnchorElement.prototype, 'click')
      .mockImplementation(function recordClick(this: HTMLAnchorElement) {
        clicked.push(this);
      });
    try {
      await render(api);
      fireEvent.click(
        await screen.findByRole('button', { name: 'Download CA certificate' }),
      );
      await waitFor(() => expect(clicked).toHaveLength(1));
      expect(api.getCaCertificate).toHaveBeenCalledWith('i-1');
      expect(clicked[0].download).toBe('orders-db-ca.crt');
      expect(await urls[0].text()).toBe(CA_PEM);
      // reading the CA needs no password reveal
      expect(api.getCredentials).not.toHaveBeenCalled();
    } finally {
      click.mockRestore();
    }
  });

  it('shows the MariaDB client verifying the server', async () => {
    await renderInstance({
      engine: 'mariadb',
      endpoint: {
        host: 'db.example.net',
        port: 3306,
        database: 'orders_db',
        user: 'orders_db_app',
      },
    });
    expect(
      await screen.findByText(
        'mariadb -h db.example.net -P 3306 -u orders_db_app -p --ssl-verify-server-cert --ssl-ca=orders-db-ca.crt orders_db',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        'mysql://orders_db_app@db.example.net:3306/orders_db?ssl-mode=VERIFY_IDENTITY',
      ),
    ).toBeInTheDocument();
  });

  it('says who may read the password when the permission is missing', async () => {
    const forbidden = await ResponseError.fromResponse(
      new Response(
        JSON.stringify({ error: { name: 'NotAllowedError', message: 'no' } }),
        {
          status: 403,
          headers: { 'Content-Type': 'application/json' },
        },
      ),
    );
    await render(
      fakeApi({
        getCredentials: jest.fn(async () => {
          throw forbidden;
        }),
      }),
    );

    fireEvent.click(await screen.findByRole('button', { name: 'Reveal' }));

    expect(
      await screen.findByText(
        "You may not read this database's password: ask one of its owners.",
      ),
    ).toBeInTheDocument();
  });

  it('deletes only after the name is typed', async () => {
    const api = fakeApi();
    await render(api);

    fireEvent.click(await screen.findByRole('button', { name: 'Delete' }));
    const confirm = screen.getAllByRole('button', { name: 'Delete' }).pop()!;
    expect(confirm).toBeDisabled();
    fireEvent.change(
      screen.getByLabelText('Type the database name to confirm'),
      {
        target: { value: 'orders-db' },
      },
    );
    expect(confirm).toBeEnabled();
    fireEvent.click(confirm);

    await waitFor(() =>
      expect(api.deleteInstance).toHaveBeenCalledWith('i-1', {
        skipFinalBackup: false,
      }),
    );
  });

  it('says a backed-up database gets a final backup, and can delete without one', async () => {
    const policy = {
      schedule: '@daily',
      retentionDays: 7,
      retentionCount: null,
    };
    const api = fakeApi({
      getInstance: jest.fn(async () => instance({ backup: policy })),
    });
    await render(api);

    fireEvent.click(await screen.findByRole('button', { name: 'Delete' }));
    expect(
      screen.getByText(/after a final backup, which is kept/),
    ).toBeInTheDocument();
    fireEvent.click(
      screen.getByRole('checkbox', { name: 'Delete without a final backup' }),
    );
    expect(screen.getByText(/for good/)).toBeInTheDocument();
    fireEvent.change(
      screen.getByLabelText('Type the database name to confirm'),
      { target: { value: 'orders-db' } },
    );
    fireEvent.click(screen.getAllByRole('button', { name: 'Delete' }).pop()!);
    await waitFor(() =>
      expect(api.deleteInstance).toHaveBeenCalledWith('i-1', {
        skipFinalBackup: true,
      }),
    );
  });

  it('turns deletion protection on, and then offers no delete', async () => {
    const api = fakeApi();
    await render(api);

    fireEvent.click(
      await screen.findByRole('checkbox', { name: 'Deletion protection' }),
    );

    await waitFor(() =>
      expect(api.updateInstance).toHaveBeenCalledWith('i-1', {
        deletionProtection: true,
      }),
    );
  });

  it('shows the typed fault of a failed instance', async () => {
    await renderInstance({
      status: 'failed',
      health: 'unknown',
      endpoint: null,
      fault: {
        phase: 'engine_deploying',
        code: 'ENGINE_START_FAILED',
        message: 'port in use',
      },
    });

    expect(
      await screen.findByText(
        /Failed in engine_deploying: ENGINE_START_FAILED/,
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        'The connection details appear once the database is running.',
      ),
    ).toBeInTheDocument();
  });

  it('shows a database whose server is being started again, still with its connection details', async () => {
    await renderInstance({ status: 'recovering', health: 'unhealthy' });

    expect(await screen.findByText('recovering')).toBeInTheDocument();
    expect(screen.getByText('unhealthy')).toBeInTheDocument();
    expect(
      screen.getByText(
        'postgresql://orders_db_app@127.0.0.1:5433/orders_db?sslmode=verify-full',
      ),
    ).toBeInTheDocument();
  });

  it('shows the fault of a database whose server could not be started again', async () => {
    await renderInstance({
      status: 'failed',
      health: 'unhealthy',
      fault: {
        phase: null,
        code: 'ENGINE_START_FAILED',
        message: 'PostgreSQL did not start on port 5433',
      },
    });

    expect(
      await screen.findByText(/Error: Failed: ENGINE_START_FAILED/),
    ).toBeInTheDocument();
    expect(
      screen.getByText('PostgreSQL did not start on port 5433'),
    ).toBeInTheDocument();
  });

  describe('day-2 operations', () => {
    const operation = (type: PendingOperation['type']): PendingOperation => ({
      type,
      requestedBy: 'user:default/bob',
      requestedAt: new Date().toISOString(),
    });

    it('stops a running database only after confirming', async () => {
      const api = fakeApi();
      await render(api);

      fireEvent.click(await screen.findByRole('button', { name: 'Stop' }));
      expect(
        screen.getByText(/refuses connections until it is started again/),
      ).toBeInTheDocument();
      expect(screen.getByText(/keeps its data/)).toBeInTheDocument();
      expect(api.stopInstance).not.toHaveBeenCalled();

      fireEvent.click(
        within(screen.getByRole('dialog')).getByRole('button', {
          name: 'Stop',
        }),
      );
      await waitFor(() => expect(api.stopInstance).toHaveBeenCalledWith('i-1'));
    });

    it('does not stop when the confirmation is cancelled', async () => {
      const api = fakeApi();
      await render(api);

      fireEvent.click(await screen.findByRole('button', { name: 'Stop' }));
      fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
      await waitFor(() =>
        expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
      );
      expect(api.stopInstance).not.toHaveBeenCalled();
    });

    it('restarts after confirming a short outage', async () => {
      const api = fakeApi();
      await render(api);

      fireEvent.click(await screen.findByRole('button', { name: 'Restart' }));
      expect(screen.getByText(/a short outage/)).toBeInTheDocument();
      fireEvent.click(
        within(screen.getByRole('dialog')).getByRole('button', {
          name: 'Restart',
        }),
      );
      await waitFor(() =>
        expect(api.restartInstance).toHaveBeenCalledWith('i-1'),
      );
    });

    it('offers only Start for a stopped database, with a neutral status', async () => {
      const api = fakeApi({
        getInstance: jest.fn(async () =>
          instance({ status: 'stopped', health: 'unknown' }),
        ),
      });
      await render(api);

      fireEvent.click(await screen.findByRole('button', { name: 'Start' }));
      expect(
        screen.queryByRole('button', { name: 'Stop' }),
      ).not.toBeInTheDocument();
      expect(
        screen.queryByRole('button', { name: 'Restart' }),
      ).not.toBeInTheDocument();
      expect(screen.getByTestId('status-stopped')).toBeInTheDocument();
      expect(screen.getByText('stopped')).toBeInTheDocument();
      await waitFor(() =>
        expect(api.startInstance).toHaveBeenCalledWith('i-1'),
      );
    });

    it('offers no operation while the database is provisioning', async () => {
      await renderInstance({ status: 'provisioning', endpoint: null });

      expect(await screen.findByText('provisioning')).toBeInTheDocument();
      for (const name of ['Stop', 'Start', 'Restart']) {
        expect(screen.queryByRole('button', { name })).not.toBeInTheDocument();
      }
    });

    it('disables the buttons and says what is under way, and by whom', async () => {
      await renderInstance({ operation: operation('stop') });

      expect(
        await screen.findByText('Stopping… (asked by user:default/bob)'),
      ).toBeInTheDocument();
      expect(screen.getByRole('button', { name: 'Stop' })).toBeDisabled();
      expect(screen.getByRole('button', { name: 'Restart' })).toBeDisabled();
    });

    it('shows starting and restarting too', async () => {
      const { unmount } = await renderInstance({
        status: 'stopped',
        operation: operation('start'),
      });
      expect(
        await screen.findByText('Starting… (asked by user:default/bob)'),
      ).toBeInTheDocument();
      expect(screen.getByRole('button', { name: 'Start' })).toBeDisabled();
      unmount();

      await renderInstance({ operation: operation('restart') });
      expect(
        await screen.findByText('Restarting… (asked by user:default/bob)'),
      ).toBeInTheDocument();
    });

    it('says to which size the storage is being resized', async () => {
      await renderInstance({
        operation: { ...operation('resize-storage'), storageGiB: 10 },
      });

      expect(
        await screen.findByText(
          'Resizing storage to 10 GiB… (asked by user:default/bob)',
        ),
      ).toBeInTheDocument();
      expect(
        screen.getByRole('button', { name: 'Resize storage' }),
      ).toBeDisabled();
    });

    it('refreshes while an operation is under way, until it is done', async () => {
      const api = fakeApi({
        getInstance: jest
          .fn()
          .mockResolvedValueOnce(instance({ operation: operation('stop') }))
          .mockResolvedValue(
            instance({ status: 'stopped', health: 'unknown', operation: null }),
          ),
      });
      await render(api);

      // polled after 2 s (idle pages every 15 s), the stop has finished
      expect(
        await screen.findByRole('button', { name: 'Start' }, { timeout: 4000 }),
      ).toBeEnabled();
      expect(screen.queryByText(/Stopping…/)).not.toBeInTheDocument();
    });

    it("shows the Manager's message when it refuses", async () => {
      const message =
        'orders-db is being restarted (by user:default/bob): wait until it is done';
      const conflict = await ResponseError.fromResponse(
        new Response(
          JSON.stringify({
            error: { name: 'ConflictError', message },
            response: { statusCode: 409 },
          }),
          { status: 409, headers: { 'Content-Type': 'application/json' } },
        ),
      );
      const api = fakeApi();
      api.stopInstance.mockRejectedValueOnce(conflict);
      await render(api);

      fireEvent.click(await screen.findByRole('button', { name: 'Stop' }));
      fireEvent.click(
        within(screen.getByRole('dialog')).getByRole('button', {
          name: 'Stop',
        }),
      );

      expect(
        await screen.findByText(`Could not stop the database: ${message}`),
      ).toBeInTheDocument();
    });
  });

  it('shows the health of a stopped database as neutral, not as a warning', async () => {
    await renderInstance({ status: 'stopped', health: 'unknown' });

    expect(await screen.findByText('stopped')).toBeInTheDocument();
    expect(screen.queryByText('unknown')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Status warning')).not.toBeInTheDocument();
    expect(
      screen.getByTitle('Not checked while the database is stopped'),
    ).toHaveTextContent('—');
  });

  it('polls every 2 s while an operation is under way, every 15 s otherwise', async () => {
    const api = fakeApi({
      getInstance: jest.fn(async () =>
        instance({
          operation: {
            type: 'rotate-credentials',
            requestedBy: 'user:default/bob',
            requestedAt: new Date().toISOString(),
          },
        }),
      ),
    });
    await render(api);

    expect(
      await screen.findByText(
        'Rotating credentials… (asked by user:default/bob)',
      ),
    ).toBeInTheDocument();
    const before = api.getInstance.mock.calls.length;
    await waitFor(
      () => expect(api.getInstance.mock.calls.length).toBeGreaterThan(before),
      { timeout: 4000 },
    );
  });

  it('has the databases and users on the Users & databases tab, and the configuration on the Overview', async () => {
    const api = fakeApi();
    await render(api);

    expect(await screen.findByText('Configuration')).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Edit parameters' }),
    ).toBeInTheDocument();
    expect(api.listDatabases).not.toHaveBeenCalled();
    fireEvent.click(
      await screen.findByRole('tab', { name: 'Users & databases' }),
    );
    expect(
      await screen.findByRole('table', { name: 'Databases' }),
    ).toBeInTheDocument();
    expect(screen.getByRole('table', { name: 'Users' })).toBeInTheDocument();
    expect(api.listDatabaseUsers).toHaveBeenCalledWith('i-1');
  });

  describe('metrics', () => {
    it('charts the last 24 h with the latest values, their min and max, and the uptime', async () => {
      const api = fakeApi();
      await render(api);
      fireEvent.click(await screen.findByRole('tab', { name: 'Metrics' }));

      expect(
        await screen.findByTestId('metric-latest-Storage used'),
      ).toHaveTextContent('50 MiB');
      expect(
        screen.getByTestId('metric-latest-Database size'),
      ).toHaveTextContent('12 MiB');
      expect(screen.getByText('min 30 MiB · max 50 MiB')).toBeInTheDocument();
      expect(screen.getByTestId('metric-latest-Connections')).toHaveTextContent(
        '3',
      );
      expect(
        screen.getByTestId('metric-latest-Transactions/s'),
      ).toHaveTextContent('2.5');
      expect(screen.getByTestId('metric-latest-Uptime')).toHaveTextContent(
        '1 h',
      );
      expect(screen.getByText('min 7 MiB · max 12 MiB')).toBeInTheDocument();
      expect(screen.getByText('min 1 · max 5')).toBeInTheDocument();
      // the first sample has no rate: it is left out of the min
      expect(screen.getByText('min 2.5 · max 4.25')).toBeInTheDocument();
      expect(
        screen.getByRole('img', {
          name: 'Connections: latest 3, min 1, max 5',
        }),
      ).toBeInTheDocument();
      expect(api.getMetrics).toHaveBeenCalledWith('i-1', 24);
    });

    it('draws a single sample too', async () => {
      await render(
        fakeApi({
          getMetrics: jest.fn(async () => [
            metricsSample(0, { transactionsPerSecond: null }),
          ]),
        }),
      );
      fireEvent.click(await screen.findByRole('tab', { name: 'Metrics' }));

      expect(
        await screen.findByTestId('metric-latest-Database size'),
      ).toHaveTextContent('8 MiB');
      // a runtime that cannot tell what the server's files take
      expect(
        screen.getByTestId('metric-latest-Storage used'),
      ).toHaveTextContent('—');
      expect(
        screen.getByTestId('metric-latest-Transactions/s'),
      ).toHaveTextContent('—');
    });

    it("shows the instance's last error above the charts", async () => {
      const api = fakeApi();
      api.getMetricsReport.mockResolvedValue({
        items: [metricsSample(0)],
        lastError: {
          at: '2026-03-02T09:15:00.000Z',
          message: 'the server did not answer the health check',
          code: 'ENGINE_UNAVAILABLE',
        },
      });
      await render(api);
      fireEvent.click(await screen.findByRole('tab', { name: 'Metrics' }));

      expect(await screen.findByTestId('metrics-last-error')).toHaveTextContent(
        'Last error 2026-03-02 09:15 UTC (ENGINE_UNAVAILABLE): the server did not answer the health check',
      );
      expect(api.getMetricsReport).toHaveBeenCalledWith('i-1', 24);
    });

    it('says when there are no samples yet', async () => {
      await render(fakeApi({ getMetrics: jest.fn(async () => []) }));
      fireEvent.click(await screen.findByRole('tab', { name: 'Metrics' }));

      expect(
        await screen.findByText(
          'No samples yet: the Manager samples a running database every reconcile.',
        ),
      ).toBeInTheDocument();
    });
  });

  describe('logs', () => {
    it("shows the server's last 200 lines, and another tail when chosen", async () => {
      const api = fakeApi();
      await render(api);
      fireEvent.click(await screen.findByRole('tab', { name: 'Logs' }));

      expect(await screen.findByTestId('dbaas-logs')).toHaveTextContent(
        'database system is ready to accept connections',
      );
      expect(api.getLogs).toHaveBeenCalledWith('i-1', 200);

      fireEvent.change(screen.getByLabelText('Lines'), {
        target: { value: '1000' },
      });
      await waitFor(() =>
        expect(api.getLogs).toHaveBeenCalledWith('i-1', 1000),
      );
    });

    it('follows: refreshes every 2 s and stays scrolled to the end', async () => {
      let n = 0;
      const api = fakeApi({
        getLogs: jest.fn(async () => {
          n++;
          return Array.from({ length: n }, (_, i) => `line ${i + 1}`).join(
            '\n',
          );
        }),
      });
      await render(api);
      fireEvent.click(await screen.findByRole('tab', { name: 'Logs' }));
      const logs = await screen.findByTestId('dbaas-logs');
      expect(logs).toHaveTextContent('line 1');
      Object.defineProperty(logs, 'scrollHeight', {
        configurable: true,
        get: () => 1000 + n,
      });
      const calls = api.getLogs.mock.calls.length;

      fireEvent.click(screen.getByRole('checkbox', { name: 'Follow' }));

      await waitFor(
        () =>
          expect(screen.getByTestId('dbaas-logs')).toHaveTextContent(
            `line ${calls + 1}`,
          ),
        { timeout: 4000 },
      );
      expect(logs.scrollTop).toBe(1000 + n);

      fireEvent.click(screen.getByRole('checkbox', { name: 'Follow' }));
      const stopped = api.getLogs.mock.calls.length;
      await new Promise(resolve => setTimeout(resolve, 2500));
      expect(api.getLogs.mock.calls.length).toBe(stopped);
    });

    it("says why when the logs can't be read", async () => {
      const api = fakeApi();
      api.getLogs.mockRejectedValue(new Error('no server'));
      await render(api);
      fireEvent.click(await screen.findByRole('tab', { name: 'Logs' }));

      expect(
        await screen.findByText(/Could not read the logs: no server/),
      ).toBeInTheDocument();
    });
  });

  describe('rotate credentials', () => {
    it('rotates only after confirming that applications must use the new password', async () => {
      const api = fakeApi();
      await render(api);

      fireEvent.click(
        await screen.findByRole('button', { name: 'Rotate credentials' }),
      );
      expect(
        within(screen.getByRole('dialog')).getByText(
          /Applications using the current password will fail to connect until they use the new one/,
        ),
      ).toBeInTheDocument();
      expect(api.rotateCredentials).not.toHaveBeenCalled();

      fireEvent.click(
        within(screen.getByRole('dialog')).getByRole('button', {
          name: 'Rotate',
        }),
      );
      await waitFor(() =>
        expect(api.rotateCredentials).toHaveBeenCalledWith('i-1'),
      );
    });

    it('does not rotate when the confirmation is cancelled', async () => {
      const api = fakeApi();
      await render(api);

      fireEvent.click(
        await screen.findByRole('button', { name: 'Rotate credentials' }),
      );
      fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
      await waitFor(() =>
        expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
      );
      expect(api.rotateCredentials).not.toHaveBeenCalled();
    });

    it('is disabled while an operation is under way, which is shown', async () => {
      await renderInstance({
        operation: {
          type: 'rotate-credentials',
          requestedBy: 'user:default/bob',
          requestedAt: new Date().toISOString(),
        },
      });

      expect(
        await screen.findByText(
          'Rotating credentials… (asked by user:default/bob)',
        ),
      ).toBeInTheDocument();
      expect(
        screen.getByRole('button', { name: 'Rotate credentials' }),
      ).toBeDisabled();
    });

    it('is disabled unless the database is running', async () => {
      await renderInstance({ status: 'stopped', health: 'unknown' });

      expect(
        await screen.findByRole('button', { name: 'Rotate credentials' }),
      ).toBeDisabled();
    });
  });
});
