import { renderInTestApp } from '@backstage/frontend-test-utils';
import { Flavor } from '@dbaas/plugin-dbaas-common';
import { screen } from '@testing-library/react';
import { FlavorTable } from './FlavorTable';

const flavor: Flavor = {
  id: 'postgresql-17-small',
  title: 'PostgreSQL 17 (small)',
  engine: 'postgresql',
  version: '17',
  image: 'dbaas/postgresql:17',
  cpu: 1,
  memoryMiB: 1024,
  storageGiB: { min: 1, max: 50, default: 5 },
};

describe('FlavorTable', () => {
  it('shows where each flavor runs and its warm pool', async () => {
    await renderInTestApp(
      <FlavorTable
        flavors={[
          { ...flavor, runtimes: ['local'], warmPool: { size: 2 } },
          {
            ...flavor,
            id: 'mariadb-10-11-small',
            title: 'MariaDB 10.11 (small)',
          },
        ]}
      />,
    );
    const rows = screen.getAllByRole('row').map(row => row.textContent);
    expect(rows[1]).toContain('PostgreSQL 17 (small)');
    expect(rows[1]).toContain('local');
    expect(rows[1]).toContain('2 started ahead');
    expect(rows[2]).toContain('MariaDB 10.11 (small)');
    expect(rows[2]).toContain('any');
    expect(rows[2]).toContain('—');
  });
});
