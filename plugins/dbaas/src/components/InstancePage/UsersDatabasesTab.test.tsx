import { renderInTestApp } from '@backstage/frontend-test-utils';
import { ResponseError } from '@backstage/errors';
import { Instance } from '@dbaas/plugin-dbaas-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { dbaasApiRef } from '../../api';
import {
  databaseUser,
  fakeApi,
  forbidden,
  instance,
} from '../../testUtils/fakeApi';
import { UsersDatabasesTab } from './UsersDatabasesTab';

async function render(
  api = fakeApi(),
  overrides: Partial<Instance> = {},
  onChanged = jest.fn(),
) {
  await renderInTestApp(
    <UsersDatabasesTab instance={instance(overrides)} onChanged={onChanged} />,
    { apis: [[dbaasApiRef, api]] },
  );
  await screen.findByRole('table', { name: 'Databases' });
  return { api, onChanged };
}

/** A refusal as the client throws it. */
const refusal = (status: number, name: string, message: string) =>
  ResponseError.fromResponse(
    new Response(
      JSON.stringify({
        error: { name, message },
        response: { statusCode: status },
      }),
      { status, headers: { 'Content-Type': 'application/json' } },
    ),
  );

/** Picks `option` in the MUI select labelled `label` inside `dialog`. */
function select(dialog: HTMLElement, label: string, option: RegExp | string) {
  fireEvent.mouseDown(within(dialog).getByLabelText(label));
  fireEvent.click(screen.getByRole('option', { name: option }));
}

describe('UsersDatabasesTab', () => {
  it('lists the databases with the application one marked and deletable others', async () => {
    await render();

    const table = screen.getByRole('table', { name: 'Databases' });
    const rows = within(table).getAllByRole('row');
    expect(rows[1]).toHaveTextContent('orders_db applicationready');
    expect(
      within(rows[1]).queryByRole('button', { name: /Delete/ }),
    ).not.toBeInTheDocument();
    expect(rows[2]).toHaveTextContent('reporting');
    expect(
      within(rows[2]).getByRole('button', {
        name: 'Delete database reporting',
      }),
    ).toBeEnabled();
  });

  it('creates a database, and shows the refusal in the dialog', async () => {
    const api = fakeApi();
    api.createDatabase.mockRejectedValueOnce(
      await refusal(
        409,
        'ConflictError',
        'orders-db has a create-user under way; try again once it is done',
      ),
    );
    const { onChanged } = await render(api);

    fireEvent.click(screen.getByRole('button', { name: 'Create database' }));
    const dialog = screen.getByRole('dialog');
    const create = within(dialog).getByRole('button', { name: 'Create' });
    fireEvent.change(within(dialog).getByLabelText('Database name'), {
      target: { value: 'Bad-Name' },
    });
    expect(create).toBeDisabled();
    fireEvent.change(within(dialog).getByLabelText('Database name'), {
      target: { value: 'sales' },
    });
    fireEvent.click(create);
    expect(
      await within(dialog).findByText(
        'orders-db has a create-user under way; try again once it is done',
      ),
    ).toBeInTheDocument();
    expect(onChanged).not.toHaveBeenCalled();

    fireEvent.click(create);
    await waitFor(() => expect(onChanged).toHaveBeenCalled());
    expect(api.createDatabase).toHaveBeenLastCalledWith('i-1', {
      name: 'sales',
    });
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('deletes a database once its name is typed, showing the 409', async () => {
    const api = fakeApi();
    const message =
      'database reporting is still used by user reader; delete the user first';
    api.deleteDatabase.mockRejectedValueOnce(
      await refusal(409, 'ConflictError', message),
    );
    await render(api);

    fireEvent.click(
      screen.getByRole('button', { name: 'Delete database reporting' }),
    );
    const dialog = screen.getByRole('dialog');
    const del = within(dialog).getByRole('button', { name: 'Delete' });
    expect(del).toBeDisabled();
    fireEvent.change(
      within(dialog).getByLabelText('Type the database name to confirm'),
      { target: { value: 'reporting' } },
    );
    fireEvent.click(del);
    expect(await within(dialog).findByText(message)).toBeInTheDocument();
    expect(api.deleteDatabase).toHaveBeenCalledWith('i-1', 'reporting');
  });

  it('lists the users and creates one with a role on a chosen database', async () => {
    const { api, onChanged } = await render();

    const users = screen.getByRole('table', { name: 'Users' });
    expect(within(users).getAllByRole('row')[1]).toHaveTextContent(
      /reader\s*readonly\s*orders_db\s*ready/,
    );

    fireEvent.click(screen.getByRole('button', { name: 'Create user' }));
    const dialog = screen.getByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText('User name'), {
      target: { value: 'writer' },
    });
    select(dialog, 'Role', /^readwrite/);
    select(dialog, 'Database', 'reporting');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create' }));

    await waitFor(() =>
      expect(api.createDatabaseUser).toHaveBeenCalledWith('i-1', {
        name: 'writer',
        role: 'readwrite',
        database: 'reporting',
      }),
    );
    await waitFor(() => expect(onChanged).toHaveBeenCalled());
  });

  it("shows the Manager's 400 in the create user dialog", async () => {
    const api = fakeApi();
    const message = 'name: a user named reader exists already';
    api.createDatabaseUser.mockRejectedValueOnce(
      await refusal(400, 'InputError', message),
    );
    await render(api);

    fireEvent.click(screen.getByRole('button', { name: 'Create user' }));
    const dialog = screen.getByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText('User name'), {
      target: { value: 'reader' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect(await within(dialog).findByText(message)).toBeInTheDocument();
    expect(api.createDatabaseUser).toHaveBeenCalledWith('i-1', {
      name: 'reader',
      role: 'readonly',
      database: 'orders_db',
    });
  });

  it("reads a user's password only on Reveal, with a copy-ready URI", async () => {
    const { api } = await render();

    expect(api.getDatabaseUserCredentials).not.toHaveBeenCalled();
    fireEvent.click(
      screen.getByRole('button', { name: 'Reveal the password of reader' }),
    );
    expect(await screen.findByTestId('password-reader')).toHaveTextContent(
      'r3ader-pass-r3ader-pass',
    );
    expect(screen.getByTestId('uri-reader')).toHaveTextContent(
      'postgresql://reader:r3ader-pass-r3ader-pass@127.0.0.1:5433/orders_db?sslmode=verify-full',
    );
    expect(api.getDatabaseUserCredentials).toHaveBeenCalledWith(
      'i-1',
      'reader',
    );
  });

  it('explains a 403 on Reveal', async () => {
    const api = fakeApi();
    api.getDatabaseUserCredentials.mockRejectedValueOnce(await forbidden());
    await render(api);

    fireEvent.click(
      screen.getByRole('button', { name: 'Reveal the password of reader' }),
    );
    expect(
      await screen.findByText(/You may not read this user's password/),
    ).toBeInTheDocument();
  });

  it('deletes a user once its name is typed', async () => {
    const { api, onChanged } = await render();

    fireEvent.click(screen.getByRole('button', { name: 'Delete user reader' }));
    const dialog = screen.getByRole('dialog');
    fireEvent.change(
      within(dialog).getByLabelText('Type the user name to confirm'),
      { target: { value: 'reader' } },
    );
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    await waitFor(() =>
      expect(api.deleteDatabaseUser).toHaveBeenCalledWith('i-1', 'reader'),
    );
    await waitFor(() => expect(onChanged).toHaveBeenCalled());
  });

  it('offers no changes while the database is stopped, and no Reveal before a user is ready', async () => {
    const api = fakeApi({
      listDatabaseUsers: jest.fn(async () => [
        databaseUser({ name: 'newbie', status: 'creating' }),
      ]),
    });
    await render(api, { status: 'stopped' });

    expect(
      screen.getByText(/while the database is running/),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Create user' })).toBeDisabled();
    expect(
      screen.getByRole('button', { name: 'Create database' }),
    ).toBeDisabled();
    expect(screen.getByText('creating…')).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: /Reveal/ }),
    ).not.toBeInTheDocument();
  });
});
