import { renderInTestApp } from '@backstage/frontend-test-utils';
import { ResponseError } from '@backstage/errors';
import { Flavor, Instance } from '@dbaas/plugin-dbaas-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { dbaasApiRef } from '../../api';
import { fakeApi, flavors, instance } from '../../testUtils/fakeApi';
import { ConfigurationPanel } from './ConfigurationPanel';
import { describeOperation } from './OperationProgress';
import { parametersPatch } from './parameterRules';

const larger: Flavor = {
  ...flavors[0],
  id: 'postgresql-17-large',
  title: 'PostgreSQL 17 (large)',
  cpu: 4,
  memoryMiB: 8192,
};
const otherVersion: Flavor = {
  ...flavors[0],
  id: 'postgresql-16-small',
  version: '16',
};

async function render(
  overrides: Partial<Instance> = {},
  api = fakeApi({
    listFlavors: jest.fn(async () => [...flavors, larger, otherVersion]),
  }),
) {
  const act = jest.fn((_what: string, fn: () => Promise<unknown>) => {
    fn();
  });
  const onChanged = jest.fn();
  await renderInTestApp(
    <ConfigurationPanel
      instance={instance({ image: 'dbaas/postgresql:17', ...overrides })}
      act={act}
      onChanged={onChanged}
    />,
    { apis: [[dbaasApiRef, api]] },
  );
  // the flavors are read: the flavor's size shows
  await screen.findByText(/\(\d+ CPU, \d+ MiB\)/);
  return { api, act, onChanged };
}

const refusal = (status: number, message: string) =>
  ResponseError.fromResponse(
    new Response(
      JSON.stringify({
        error: { name: 'InputError', message },
        response: { statusCode: status },
      }),
      { status, headers: { 'Content-Type': 'application/json' } },
    ),
  );

describe('describeOperation', () => {
  it('says what the new operations do', () => {
    const op = (type: any, more = {}) =>
      describeOperation({
        type,
        requestedBy: 'user:default/alice',
        requestedAt: '2026-11-29T10:00:00.000Z',
        ...more,
      });
    expect(op('create-user', { target: 'reader' })).toBe(
      'Creating user reader…',
    );
    expect(op('delete-user', { target: 'reader' })).toBe(
      'Deleting user reader…',
    );
    expect(op('create-database', { target: 'sales' })).toBe(
      'Creating database sales…',
    );
    expect(op('delete-database', { target: 'sales' })).toBe(
      'Deleting database sales…',
    );
    expect(op('change-flavor', { target: 'postgresql-17-large' })).toBe(
      'Changing flavor to postgresql-17-large…',
    );
    expect(op('set-parameters', { parameters: { work_mem: 8 } })).toBe(
      'Setting parameters…',
    );
    expect(op('upgrade')).toBe('Upgrading…');
    expect(op('something-new')).toBe('something-new…');
  });
});

describe('parametersPatch', () => {
  it('sends what changed, an emptied one as null', () => {
    expect(
      parametersPatch(
        { max_connections: 50, work_mem: 4 },
        {
          max_connections: '50',
          work_mem: '',
          statement_timeout: '1000',
          idle_in_transaction_session_timeout: '',
        },
      ),
    ).toEqual({ work_mem: null, statement_timeout: 1000 });
  });
});

describe('ConfigurationPanel', () => {
  it('lists the parameters set, or says the defaults apply', async () => {
    await render({ parameters: { max_connections: 50, work_mem: 8 } });
    const table = screen.getByRole('table', { name: 'Server parameters' });
    expect(within(table).getAllByRole('row')[0]).toHaveTextContent(
      'max_connections50 connections',
    );
    expect(within(table).getAllByRole('row')[1]).toHaveTextContent(
      'work_mem8 MB',
    );
  });

  it("edits the parameters with the engine's allow-list, empty sending null, and shows the 400", async () => {
    const api = fakeApi();
    const message =
      'parameters.work_mem: must be a whole number from 1 to 2048 (MB); got 4096';
    api.updateInstance.mockRejectedValueOnce(await refusal(400, message));
    const { onChanged } = await render(
      { parameters: { statement_timeout: 30000 } },
      api,
    );
    expect(
      screen.queryByRole('table', { name: 'Server parameters' }),
    ).toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: 'Edit parameters' }));
    const dialog = screen.getByRole('dialog');
    expect(
      within(dialog).getByLabelText('idle_in_transaction_session_timeout (ms)'),
    ).toBeInTheDocument();
    const workMem = within(dialog).getByLabelText('work_mem (MB)');
    const save = within(dialog).getByRole('button', { name: 'Save' });
    expect(save).toBeDisabled();
    fireEvent.change(workMem, { target: { value: '0' } });
    expect(
      within(dialog).getByText('A whole number from 1 to 2048'),
    ).toBeInTheDocument();
    expect(save).toBeDisabled();

    fireEvent.change(workMem, { target: { value: '8' } });
    fireEvent.change(within(dialog).getByLabelText('statement_timeout (ms)'), {
      target: { value: '' },
    });
    fireEvent.click(save);
    expect(await within(dialog).findByText(message)).toBeInTheDocument();
    expect(api.updateInstance).toHaveBeenCalledWith('i-1', {
      parameters: { work_mem: 8, statement_timeout: null },
    });

    fireEvent.click(save);
    await waitFor(() => expect(onChanged).toHaveBeenCalled());
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('offers the MariaDB parameters for MariaDB', async () => {
    await render({ engine: 'mariadb', version: '10.11' });
    expect(
      screen.getByText("None set: the flavor's defaults."),
    ).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Edit parameters' }));
    const dialog = screen.getByRole('dialog');
    expect(
      within(dialog).getByLabelText('max_allowed_packet (bytes)'),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByLabelText('long_query_time (s)'),
    ).toBeInTheDocument();
    expect(within(dialog).queryByLabelText('work_mem (MB)')).toBeNull();
  });

  it('changes the flavor among those of the same engine and version', async () => {
    const { api, onChanged } = await render();

    fireEvent.click(
      await screen.findByRole('button', { name: 'Change flavor' }),
    );
    const dialog = screen.getByRole('dialog');
    fireEvent.mouseDown(within(dialog).getByLabelText('New flavor'));
    const options = screen.getAllByRole('option');
    expect(options.map(o => o.textContent)).toEqual([
      'PostgreSQL 17 (large) — 4 CPU, 8192 MiB (postgresql-17-large)',
    ]);
    fireEvent.click(options[0]);
    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Change flavor' }),
    );
    await waitFor(() =>
      expect(api.updateInstance).toHaveBeenCalledWith('i-1', {
        flavorId: 'postgresql-17-large',
      }),
    );
    await waitFor(() => expect(onChanged).toHaveBeenCalled());
  });

  it("shows the flavor change's refusal in the dialog", async () => {
    const api = fakeApi({
      listFlavors: jest.fn(async () => [...flavors, larger]),
    });
    const message =
      'flavorId: storage of 5 GiB is outside flavor postgresql-17-large; flavors that fit: none';
    api.updateInstance.mockRejectedValueOnce(await refusal(400, message));
    await render({}, api);
    fireEvent.click(
      await screen.findByRole('button', { name: 'Change flavor' }),
    );
    const dialog = screen.getByRole('dialog');
    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Change flavor' }),
    );
    expect(await within(dialog).findByText(message)).toBeInTheDocument();
  });

  it("offers Upgrade only when the flavor's image differs from the one it runs", async () => {
    const { unmount } = await renderInTestApp(
      <ConfigurationPanel
        instance={instance({ image: 'dbaas/postgresql:17' })}
        act={jest.fn()}
        onChanged={jest.fn()}
      />,
      { apis: [[dbaasApiRef, fakeApi()]] },
    );
    await screen.findByText(/\(\d+ CPU, \d+ MiB\)/);
    expect(
      screen.queryByRole('button', { name: 'Upgrade' }),
    ).not.toBeInTheDocument();
    unmount();

    const { api, act } = await render({ image: 'dbaas/postgresql:17-old' });
    fireEvent.click(await screen.findByRole('button', { name: 'Upgrade' }));
    expect(screen.getByTestId('instance-image')).toHaveTextContent(
      'dbaas/postgresql:17-old (the flavor now has dbaas/postgresql:17)',
    );
    fireEvent.click(
      within(screen.getByRole('dialog')).getByRole('button', {
        name: 'Upgrade',
      }),
    );
    expect(act).toHaveBeenCalledWith(
      'upgrade the database',
      expect.any(Function),
    );
    expect(api.upgradeInstance).toHaveBeenCalledWith('i-1');
  });

  it('offers no change while an operation is under way', async () => {
    await render({
      operation: {
        type: 'set-parameters',
        requestedBy: 'user:default/bob',
        requestedAt: new Date().toISOString(),
      },
    });
    expect(
      await screen.findByRole('button', { name: 'Change flavor' }),
    ).toBeDisabled();
    expect(
      screen.getByRole('button', { name: 'Edit parameters' }),
    ).toBeDisabled();
  });
});
