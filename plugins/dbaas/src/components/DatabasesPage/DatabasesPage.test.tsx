import { renderInTestApp } from '@backstage/frontend-test-utils';
import { DbaasApi, Flavor } from '@dbaas/plugin-dbaas-common';
import { screen } from '@testing-library/react';
import { dbaasApiRef } from '../../api';
import { DatabasesPage } from './DatabasesPage';

const flavors: Flavor[] = [
  {
    id: 'postgresql-17-small',
    title: 'PostgreSQL 17 (small)',
    engine: 'postgresql',
    version: '17',
    image: 'dbaas/postgresql:17',
    cpu: 1,
    memoryMiB: 1024,
    storageGiB: { min: 1, max: 50, default: 5 },
  },
  {
    id: 'mariadb-10-11-small',
    engine: 'mariadb',
    version: '10.11',
    image: 'dbaas/mariadb:10.11',
    cpu: 2,
    memoryMiB: 2048,
    storageGiB: { min: 2, max: 100, default: 10 },
  },
];

function apiWith(listFlavors: DbaasApi['listFlavors']): DbaasApi {
  return { listFlavors } as Partial<DbaasApi> as DbaasApi;
}

describe('DatabasesPage', () => {
  it('lists the configured flavors', async () => {
    await renderInTestApp(<DatabasesPage />, {
      apis: [[dbaasApiRef, apiWith(async () => flavors)]],
    });

    expect(
      await screen.findByText('PostgreSQL 17 (small)'),
    ).toBeInTheDocument();
    expect(screen.getByText('mariadb 10.11')).toBeInTheDocument();
    expect(screen.getByText('2048 MiB')).toBeInTheDocument();
    expect(screen.getByText('2–100 (default 10)')).toBeInTheDocument();
  });

  it('explains what to do when no flavor is configured', async () => {
    await renderInTestApp(<DatabasesPage />, {
      apis: [[dbaasApiRef, apiWith(async () => [])]],
    });

    expect(
      await screen.findByText('No flavors configured'),
    ).toBeInTheDocument();
  });

  it('shows a readable error when the Manager fails', async () => {
    await renderInTestApp(<DatabasesPage />, {
      apis: [
        [
          dbaasApiRef,
          apiWith(async () => {
            throw new Error('DBaaS Manager unreachable');
          }),
        ],
      ],
    });

    expect(
      await screen.findByText('Error: DBaaS Manager unreachable'),
    ).toBeInTheDocument();
  });
});
