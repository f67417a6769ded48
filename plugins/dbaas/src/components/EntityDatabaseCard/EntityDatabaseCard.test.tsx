import { Entity } from '@backstage/catalog-model';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import {
  catalogApiRef,
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { screen } from '@testing-library/react';
import { dbaasApiRef } from '../../api';
import { fakeApi } from '../../testUtils/fakeApi';
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

  it('belongs on databases and on what depends on a resource only', () => {
    expect(showsDatabaseCard(database)).toBe(true);
    expect(showsDatabaseCard(component)).toBe(true);
    expect(showsDatabaseCard({ ...component, relations: [] })).toBe(false);
  });
});
