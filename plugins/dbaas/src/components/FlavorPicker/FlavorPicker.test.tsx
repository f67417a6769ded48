import { renderInTestApp } from '@backstage/frontend-test-utils';
import { ListRuntimesResponse } from '@dbaas/plugin-dbaas-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { dbaasApiRef } from '../../api';
import { fakeApi, flavors } from '../../testUtils/fakeApi';
import { FormField } from '../../testUtils/FormField';
import { FlavorPicker } from './FlavorPicker';

/**
 * Runtimes as GET /runtimes lists them: besides the default, two that modules add (no
 * built-in has these names), one of them serving PostgreSQL only.
 */
const runtimes: ListRuntimesResponse = {
  defaultRuntime: 'local',
  items: [
    { name: 'shared-postgres', flavorIds: ['postgresql-17-small'] },
    { name: 'nomad', flavorIds: flavors.map(f => f.id) },
    { name: 'ec2', flavorIds: ['postgresql-17-small'] },
    { name: 'gce', flavorIds: ['postgresql-17-small'] },
    { name: 'local', flavorIds: flavors.map(f => f.id) },
  ],
};

async function render(overrides: Parameters<typeof fakeApi>[0] = {}) {
  const onChange = jest.fn();
  const api = fakeApi({
    listRuntimes: jest.fn(async () => runtimes),
    ...overrides,
  });
  await renderInTestApp(
    <FormField
      component={FlavorPicker}
      name="flavor"
      schema={{ title: 'Flavor', type: 'object' }}
      onChange={onChange}
    />,
    {
      apis: [[dbaasApiRef, api]],
    },
  );
  return onChange;
}

async function choose(label: RegExp, option: string | RegExp) {
  fireEvent.mouseDown(await screen.findByRole('button', { name: label }));
  const listbox = within(await screen.findByRole('listbox'));
  fireEvent.click(listbox.getByRole('option', { name: option }));
}

async function runtimeOptions() {
  fireEvent.mouseDown(await screen.findByRole('button', { name: /Runtime/ }));
  const options = within(await screen.findByRole('listbox'))
    .getAllByRole('option')
    .map(o => o.textContent);
  fireEvent.keyDown(screen.getByRole('listbox'), { key: 'Escape' });
  await waitFor(() => expect(screen.queryByRole('listbox')).toBeNull());
  return options;
}

describe('FlavorPicker', () => {
  it('offers a runtime known only from GET /runtimes and puts the chosen one in the value', async () => {
    const onChange = await render();

    // the default is preselected before anything is picked
    await waitFor(() =>
      expect(onChange).toHaveBeenCalledWith({ runtime: 'local' }),
    );
    expect(screen.getByRole('button', { name: /Runtime/ })).toHaveTextContent(
      'local: processes on the Backstage host (default)',
    );
    await choose(/Flavor/, /^PostgreSQL 17/);
    expect(onChange).toHaveBeenLastCalledWith({
      flavorId: 'postgresql-17-small',
      storageGiB: 5,
      runtime: 'local',
    });
    // the cloud VMs side by side, each saying what it is; a module's own runtime by its name
    expect(await runtimeOptions()).toEqual([
      'shared-postgres',
      'nomad',
      'ec2: a VM on AWS EC2',
      'gce: a VM on Google Compute Engine',
      'local: processes on the Backstage host (default)',
    ]);

    await choose(/Runtime/, 'shared-postgres');

    expect(onChange).toHaveBeenLastCalledWith({
      flavorId: 'postgresql-17-small',
      storageGiB: 5,
      runtime: 'shared-postgres',
    });
    expect(screen.getByRole('button', { name: /Runtime/ })).toHaveTextContent(
      'shared-postgres',
    );
  });

  it('offers only the runtimes that serve the flavor, and falls back to the default when the chosen one does not', async () => {
    const onChange = await render();
    await choose(/Flavor/, /^PostgreSQL 17/);
    await choose(/Runtime/, 'shared-postgres');

    await choose(/Flavor/, /^mariadb 10.11/);

    expect(onChange).toHaveBeenLastCalledWith({
      flavorId: 'mariadb-10-11-small',
      storageGiB: 10,
      runtime: 'local',
    });
    expect(await runtimeOptions()).toEqual([
      'nomad',
      'local: processes on the Backstage host (default)',
    ]);
  });

  it('says a flavor with a warm pool is ready in a moment at its default storage', async () => {
    await render({
      listFlavors: jest.fn(async () =>
        flavors.map(f =>
          f.id === 'postgresql-17-small' ? { ...f, warmPool: { size: 2 } } : f,
        ),
      ),
    });
    await choose(/Flavor/, /^PostgreSQL 17/);
    expect(
      await screen.findByText(/at 5 GiB it is ready in a moment \(warm pool\)/),
    ).toBeInTheDocument();
    await choose(/Flavor/, /^mariadb 10.11/);
    expect(screen.queryByText(/warm pool/)).toBeNull();
  });
});
