import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { identityApiRef } from '@backstage/frontend-plugin-api';
import { fireEvent, screen, within } from '@testing-library/react';
import { dbaasApiRef } from '../../api';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { rootRouteRef } from '../../routes';
import { fakeApi, instance, leak } from '../../testUtils/fakeApi';
import { DatabasesPage } from './DatabasesPage';

const identity = mockApis.identity({
  userEntityRef: 'user:default/alice',
  ownershipEntityRefs: ['user:default/alice', 'group:default/team-a'],
});

function render(api = fakeApi()) {
  return renderInTestApp(<DatabasesPage />, {
    apis: [
      [dbaasApiRef, api],
      [identityApiRef, identity],
    ],
    mountedRoutes: {
      '/dbaas': rootRouteRef,
      '/catalog/:namespace/:kind/:name': entityRouteRef,
    },
  });
}

describe('DatabasesPage', () => {
  it('lists the databases, paged by the Manager, and the configured flavors', async () => {
    const api = fakeApi({
      listInstances: jest.fn(async query => ({
        items:
          query?.limit === 1
            ? [instance()]
            : [
                instance(),
                instance({
                  id: 'i-2',
                  name: 'carts-db',
                  engine: 'mariadb',
                  version: '10.11',
                  status: 'provisioning',
                  health: 'starting',
                }),
              ],
        totalCount: 2,
      })),
    });
    await render(api);

    // the table asks for its first page once the user's ownership is known
    expect(
      await screen.findByText('carts-db', undefined, { timeout: 5000 }),
    ).toBeInTheDocument();
    expect(screen.getByText('orders-db')).toBeInTheDocument();
    // in the instances table, and as the untitled flavor's name
    expect(screen.getAllByText('mariadb 10.11')).toHaveLength(2);
    expect(screen.getByText('provisioning')).toBeInTheDocument();
    expect(api.listInstances).toHaveBeenCalledWith(
      expect.objectContaining({ limit: 20, offset: 0 }),
    );
    expect(screen.getByText('PostgreSQL 17 (small)')).toBeInTheDocument();
    expect(screen.getByText('2–100 (default 10)')).toBeInTheDocument();
  });

  it('lists deleted databases that still have backups, and restores one from there', async () => {
    const api = fakeApi({
      listInstances: jest.fn(async query => ({
        items:
          query?.status === 'deleted'
            ? [instance({ id: 'i-9', name: 'gone-db', status: 'deleted' })]
            : [instance()],
        totalCount: 1,
      })),
    });
    await render(api);
    expect(
      await screen.findByText('orders-db', undefined, { timeout: 5000 }),
    ).toBeInTheDocument();

    fireEvent.mouseDown(screen.getByLabelText('Status'));
    fireEvent.click(
      within(screen.getByRole('listbox')).getByText('deleted, with backups'),
    );
    expect(
      await screen.findByText('gone-db', undefined, { timeout: 5000 }),
    ).toBeInTheDocument();
    expect(api.listInstances).toHaveBeenLastCalledWith(
      expect.objectContaining({ status: 'deleted' }),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Restore…' }));
    expect(
      await screen.findByText('Restore to a new database'),
    ).toBeInTheDocument();
    expect(api.listBackups).toHaveBeenCalledWith('i-9');
    expect(screen.getByDisplayValue('gone-db-restore')).toBeInTheDocument();
  });

  it('explains what to do when there is no database yet', async () => {
    await render(
      fakeApi({
        listInstances: jest.fn(async () => ({ items: [], totalCount: 0 })),
      }),
    );

    expect(await screen.findByText('No databases yet')).toBeInTheDocument();
    for (const button of screen.getAllByText('Create Database')) {
      expect(button.closest('a')).toHaveAttribute(
        'href',
        '/create/templates/default/create-database',
      );
    }
  });

  it('explains what to do when no flavor is configured', async () => {
    await render(fakeApi({ listFlavors: jest.fn(async () => []) }));

    expect(
      await screen.findByText('No flavors configured'),
    ).toBeInTheDocument();
  });

  it('shows a readable error when the Manager fails', async () => {
    await render(
      fakeApi({
        listFlavors: jest.fn(async () => {
          throw new Error('DBaaS Manager unreachable');
        }),
      }),
    );

    expect(
      await screen.findByText(/The DBaaS Manager did not answer/),
    ).toBeInTheDocument();
    expect(
      screen.getAllByText(/DBaaS Manager unreachable/).length,
    ).toBeGreaterThan(0);
  });
});

describe('DatabasesPage: what failed creates left behind', () => {
  const LEAKS_TITLE = 'Left behind by failed creates';

  it('lists them for a platform admin, with what the janitor does about them', async () => {
    const api = fakeApi({
      listLeaks: jest.fn(async () => [
        leak(),
        leak({
          id: 'i-10',
          name: 'search-db',
          owner: 'user:default/bob',
          runtime: 'docker',
          host: null,
          attempts: 0,
          lastError: null,
        }),
      ]),
    });
    await render(api);

    expect(await screen.findByText(LEAKS_TITLE)).toBeInTheDocument();
    expect(api.listLeaks).toHaveBeenCalledTimes(1);
    expect(
      screen.getByText(
        /janitor keeps retrying.*owner's quota.*dbaas admin leaks/,
      ),
    ).toBeInTheDocument();

    const rows = screen
      .getAllByRole('row')
      .filter(r => /billing-db|search-db/.test(r.textContent ?? ''));
    expect(rows).toHaveLength(2);
    const [billing, search] = rows.map(r => within(r));
    expect(billing.getByText('billing-db').closest('a')).toHaveAttribute(
      'href',
      '/dbaas/instances/i-9',
    );
    expect(billing.getByText('ec2')).toBeInTheDocument();
    expect(billing.getByText('10.0.4.12')).toBeInTheDocument();
    expect(billing.getByText('team-b')).toBeInTheDocument();
    expect(billing.getByText('2h ago')).toBeInTheDocument();
    expect(billing.getByText('3')).toBeInTheDocument();
    expect(
      billing.getByText(
        'TerminateInstances i-0a1b2c3d4e5f: RequestLimitExceeded',
      ),
    ).toBeInTheDocument();
    expect(search.getByText('docker')).toBeInTheDocument();
    expect(search.getByText(/bob/)).toBeInTheDocument();
    expect(search.getByText('0')).toBeInTheDocument();
    // no host, no error yet
    expect(search.getAllByText('—')).toHaveLength(2);
  });

  it.each([
    // fakeApi's listLeaks answers 403
    ['and no error to anyone else (403)', {}],
    ['when nothing was left behind', { listLeaks: jest.fn(async () => []) }],
  ])('shows no panel %s', async (_, overrides) => {
    const api = fakeApi(overrides);
    await render(api);

    expect(
      await screen.findByText('orders-db', undefined, { timeout: 5000 }),
    ).toBeInTheDocument();
    expect(api.listLeaks).toHaveBeenCalled();
    expect(screen.queryByText(LEAKS_TITLE)).not.toBeInTheDocument();
    expect(screen.queryByText(/Unauthorized|403|did not answer/)).toBeNull();
    expect(screen.getByText('PostgreSQL 17 (small)')).toBeInTheDocument();
  });
});

describe('DatabasesPage with many databases', () => {
  jest.setTimeout(30_000);

  it('loads one page of 20 at a time from 1,200 databases', async () => {
    const all = Array.from({ length: 1200 }, (_, i) =>
      instance({ id: `i-${i}`, name: `db-${String(i).padStart(4, '0')}` }),
    );
    const api = fakeApi({
      listInstances: jest.fn(async (query = {}) => {
        const offset = query.offset ?? 0;
        return {
          items: all.slice(offset, offset + (query.limit ?? 50)),
          totalCount: all.length,
        };
      }),
    });
    await render(api);

    expect(
      await screen.findByText('db-0000', undefined, { timeout: 5000 }),
    ).toBeInTheDocument();
    expect(screen.getByText('db-0019')).toBeInTheDocument();
    expect(screen.queryByText('db-0020')).not.toBeInTheDocument();
    expect(screen.getAllByText('1-20 of 1200').length).toBeGreaterThan(0);

    fireEvent.click(screen.getAllByRole('button', { name: 'Next Page' })[0]);

    expect(
      await screen.findByText('db-0020', undefined, { timeout: 5000 }),
    ).toBeInTheDocument();
    expect(api.listInstances).toHaveBeenLastCalledWith(
      expect.objectContaining({ limit: 20, offset: 20 }),
    );
  });
});
