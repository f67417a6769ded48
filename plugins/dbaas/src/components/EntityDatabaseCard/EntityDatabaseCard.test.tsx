import { Entity } from '@backstage/catalog-model';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import {
  catalogApiRef,
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { screen, within } from '@testing-library/react';
import { dbaasApiRef } from '../../api';
import { DbaasApi } from '@dbaas/plugin-dbaas-common';
import { backup, fakeApi, instance } from '../../testUtils/fakeApi';
import { EntityDatabaseCard } from './EntityDatabaseCard';
import { showsDatabaseCard } from './entityFilters';

const database: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: {
    name: 'orders-db',
    annotations: { 'dbaas.backstage.io/instance-id': 'i-1' },
  },
  spec: { type: 'database', owner: 'group:default/team-a' },
};

const component: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'orders-service' },
  spec: { type: 'service', owner: 'group:default/team-a' },
  relations: [{ type: 'dependsOn', targetRef: 'resource:default/orders-db' }],
};

function renderCard(api: DbaasApi, entity: Entity = database) {
  return renderInTestApp(
    <EntityProvider entity={entity}>
      <EntityDatabaseCard />
    </EntityProvider>,
    {
      apis: [
        [dbaasApiRef, api],
        [catalogApiRef, catalogApiMock({ entities: [database, component] })],
      ],
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
    },
  );
}

const hoursAgo = (h: number) =>
  new Date(Date.now() - h * 3600_000).toISOString();

describe('EntityDatabaseCard', () => {
  it.each([
    ['a database Resource', database],
    ['a component that depends on it', component],
  ])(
    'shows status, health, engine and endpoint on %s',
    async (_what, entity) => {
      await renderInTestApp(
        <EntityProvider entity={entity}>
          <EntityDatabaseCard />
        </EntityProvider>,
        {
          apis: [
            [dbaasApiRef, fakeApi()],
            [
              catalogApiRef,
              catalogApiMock({ entities: [database, component] }),
            ],
          ],
          mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
        },
      );

      expect(await screen.findByText('orders-db')).toBeInTheDocument();
      expect(screen.getByText('running')).toBeInTheDocument();
      expect(screen.getByText('healthy')).toBeInTheDocument();
      expect(screen.getByText('postgresql 17')).toBeInTheDocument();
      expect(
        screen.getByText('127.0.0.1:5433/orders_db (user orders_db_app)'),
      ).toBeInTheDocument();
    },
  );

  it('shows the age of the newest completed backup, not amber within two days', async () => {
    const api = fakeApi({
      listBackups: jest.fn(async () => [
        backup({ id: 'b-2', status: 'running', completedAt: null }),
        backup({ id: 'b-1', completedAt: hoursAgo(30) }),
        backup({ id: 'b-0', completedAt: hoursAgo(80) }),
      ]),
    });
    await renderCard(api);

    const last = await screen.findByText('Last backup: 1d ago');
    expect(within(last).getByTestId('status-ok')).toBeInTheDocument();
    expect(within(last).queryByTestId('status-warning')).toBeNull();
    expect(api.listBackups).toHaveBeenCalledWith('i-1');
  });

  it('is amber when the last backup is older than twice a day (the default schedule)', async () => {
    await renderCard(
      fakeApi({
        listBackups: jest.fn(async () => [
          backup({ status: 'failed', completedAt: hoursAgo(1) }),
          backup({ completedAt: hoursAgo(49) }),
        ]),
      }),
    );

    const last = await screen.findByText('Last backup: 2d ago');
    expect(within(last).getByTestId('status-warning')).toBeInTheDocument();
  });

  it("is amber past twice the instance's own schedule", async () => {
    await renderCard(
      fakeApi({
        getInstance: jest.fn(async () =>
          instance({
            backup: {
              schedule: '0 * * * *',
              retentionDays: 7,
              retentionCount: null,
            },
          }),
        ),
        listBackups: jest.fn(async () => [
          backup({ completedAt: hoursAgo(3) }),
        ]),
      }),
    );

    const last = await screen.findByText('Last backup: 3h ago');
    expect(within(last).getByTestId('status-warning')).toBeInTheDocument();
  });

  it('says so when there is no completed backup yet', async () => {
    await renderCard(
      fakeApi({
        listBackups: jest.fn(async () => [
          backup({ status: 'running', completedAt: null }),
        ]),
      }),
    );

    expect(await screen.findByText('No backup yet')).toBeInTheDocument();
    expect(screen.queryByTestId('status-warning')).toBeNull();
  });

  it('is amber without a backup once the database has been ready for more than two days', async () => {
    await renderCard(
      fakeApi({
        getInstance: jest.fn(async () => instance({ readyAt: hoursAgo(72) })),
        listBackups: jest.fn(async () => []),
      }),
    );

    const none = await screen.findByText('No backup yet');
    expect(within(none).getByTestId('status-warning')).toBeInTheDocument();
  });

  it('belongs on databases and on what depends on a resource only', () => {
    expect(showsDatabaseCard(database)).toBe(true);
    expect(showsDatabaseCard(component)).toBe(true);
    expect(showsDatabaseCard({ ...component, relations: [] })).toBe(false);
  });
});
