import { renderInTestApp } from '@backstage/frontend-test-utils';
import { ResponseError } from '@backstage/errors';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { dbaasApiRef } from '../../api';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { rootRouteRef } from '../../routes';
import { fakeApi, instance } from '../../testUtils/fakeApi';
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

describe('InstanceDetails', () => {
  it('shows status, health, connection strings and the timeline, and the password only on Reveal', async () => {
    const api = fakeApi();
    await render(api);

    expect(await screen.findByText('orders-db')).toBeInTheDocument();
    expect(screen.getByText('running')).toBeInTheDocument();
    expect(screen.getByText('healthy')).toBeInTheDocument();
    expect(
      screen.getByText(
        'psql "postgresql://orders_db_app@127.0.0.1:5433/orders_db"',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        'jdbc:postgresql://127.0.0.1:5433/orders_db?user=orders_db_app',
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

    await waitFor(() => expect(api.deleteInstance).toHaveBeenCalledWith('i-1'));
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
    await render(
      fakeApi({
        getInstance: jest.fn(async () =>
          instance({
            status: 'failed',
            health: 'unknown',
            endpoint: null,
            fault: {
              phase: 'engine_deploying',
              code: 'ENGINE_START_FAILED',
              message: 'port in use',
            },
          }),
        ),
      }),
    );

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
});
