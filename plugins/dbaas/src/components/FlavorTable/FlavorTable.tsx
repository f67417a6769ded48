import { Table, TableColumn } from '@backstage/core-components';
import { Flavor, flavorTitle } from '@dbaas/plugin-dbaas-common';

const columns: TableColumn<Flavor>[] = [
  { title: 'Flavor', render: flavor => flavorTitle(flavor) },
  { title: 'Engine', field: 'engine' },
  { title: 'Version', field: 'version' },
  { title: 'CPU', field: 'cpu', type: 'numeric' },
  {
    title: 'Memory',
    render: flavor => `${flavor.memoryMiB} MiB`,
  },
  {
    title: 'Storage (GiB)',
    render: ({ storageGiB }) =>
      `${storageGiB.min}–${storageGiB.max} (default ${storageGiB.default})`,
  },
  {
    title: 'Runtimes',
    render: ({ runtimes }) => (runtimes ? runtimes.join(', ') : 'any'),
  },
  {
    title: 'Warm pool',
    render: ({ warmPool }) =>
      warmPool ? `${warmPool.size} started ahead` : '—',
  },
];

export const FlavorTable = (props: { flavors: Flavor[] }) => (
  <Table<Flavor>
    title="Flavors"
    subtitle="What the Create Database template offers"
    options={{ paging: false, search: false, padding: 'dense' }}
    columns={columns}
    data={props.flavors}
  />
);
