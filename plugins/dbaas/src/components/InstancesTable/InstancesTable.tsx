import { Table, TableColumn } from '@backstage/core-components';
import { identityApiRef, useApi } from '@backstage/frontend-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import {
  ENGINES,
  Instance,
  LIFECYCLE_STATUSES,
  ListInstancesQuery,
} from '@dbaas/plugin-dbaas-common';
import {
  FormControl,
  Grid,
  InputLabel,
  MenuItem,
  Select,
} from '@material-ui/core';
import ToggleButton from '@material-ui/lab/ToggleButton';
import ToggleButtonGroup from '@material-ui/lab/ToggleButtonGroup';
import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { dbaasApiRef } from '../../api';
import { HealthChip, LifecycleStatusChip } from '../StatusChips';
import { InstanceLink } from './InstanceLink';
import { RestoreDeleted } from './RestoreDeleted';

export function age(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.floor((now - new Date(iso).getTime()) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

export interface InstanceFilters {
  scope: 'mine' | 'all';
  status: string;
  engine: string;
}

const FilterSelect = (props: {
  id: string;
  label: string;
  value: string;
  options: readonly string[];
  /** What an option shows, where it is not the value itself. */
  labels?: Record<string, string>;
  onChange: (value: string) => void;
}) => (
  <FormControl style={{ minWidth: 160 }} size="small">
    <InputLabel id={`dbaas-filter-${props.id}-label`}>{props.label}</InputLabel>
    <Select
      labelId={`dbaas-filter-${props.id}-label`}
      id={`dbaas-filter-${props.id}`}
      value={props.value}
      onChange={e => props.onChange(e.target.value as string)}
    >
      <MenuItem value="">Any</MenuItem>
      {props.options.map(o => (
        <MenuItem key={o} value={o}>
          {props.labels?.[o] ?? o}
        </MenuItem>
      ))}
    </Select>
  </FormControl>
);

/**
 * The instances the user can see, paged by the Manager (20 a page), so a portal with
 * thousands of databases loads no more than one page at a time.
 */
export const InstancesTable = () => {
  const api = useApi(dbaasApiRef);
  const identity = useApi(identityApiRef);
  const [filters, setFilters] = useState<InstanceFilters>({
    scope: 'all',
    status: '',
    engine: '',
  });
  const ownership = useAsync(
    async () => (await identity.getBackstageIdentity()).ownershipEntityRefs,
    [identity],
  );

  const columns: TableColumn<Instance>[] = [
    {
      title: 'Name',
      field: 'name',
      render: i =>
        i.status === 'deleted' ? (
          i.name
        ) : (
          <InstanceLink id={i.id} name={i.name} />
        ),
    },
    {
      title: 'Owner',
      render: i => <EntityRefLink entityRef={i.owner} defaultKind="group" />,
    },
    { title: 'Engine', render: i => `${i.engine} ${i.version}` },
    { title: 'Status', render: i => <LifecycleStatusChip status={i.status} /> },
    {
      title: 'Health',
      render: i => <HealthChip health={i.health} status={i.status} />,
    },
    { title: 'Runtime', field: 'runtime' },
    { title: 'Storage', render: i => `${i.storageGiB} GiB` },
    { title: 'Age', render: i => age(i.createdAt) },
    ...(filters.status === 'deleted'
      ? [
          {
            title: 'Backups',
            render: (i: Instance) => <RestoreDeleted instance={i} />,
          },
        ]
      : []),
  ];

  const query = (base: ListInstancesQuery): ListInstancesQuery => ({
    ...base,
    ...(filters.scope === 'mine' ? { owner: ownership.value ?? [] } : {}),
    ...(filters.status ? { status: filters.status as Instance['status'] } : {}),
    ...(filters.engine ? { engine: filters.engine as Instance['engine'] } : {}),
  });

  return (
    <Grid container spacing={2}>
      <Grid item xs={12}>
        <Grid container spacing={3} alignItems="center">
          <Grid item>
            <ToggleButtonGroup
              exclusive
              size="small"
              value={filters.scope}
              onChange={(_e, scope) =>
                scope && setFilters({ ...filters, scope })
              }
            >
              <ToggleButton value="mine">Mine</ToggleButton>
              <ToggleButton value="all">All I can see</ToggleButton>
            </ToggleButtonGroup>
          </Grid>
          <Grid item>
            <FilterSelect
              id="status"
              label="Status"
              value={filters.status}
              options={LIFECYCLE_STATUSES}
              labels={{ deleted: 'deleted, with backups' }}
              onChange={status => setFilters({ ...filters, status })}
            />
          </Grid>
          <Grid item>
            <FilterSelect
              id="engine"
              label="Engine"
              value={filters.engine}
              options={ENGINES}
              onChange={engine => setFilters({ ...filters, engine })}
            />
          </Grid>
        </Grid>
      </Grid>
      <Grid item xs={12}>
        <Table<Instance>
          // a new key per filter set starts the remote paging over
          key={`${filters.scope}/${filters.status}/${
            filters.engine
          }/${ownership.value?.join()}`}
          title="Databases"
          options={{
            pageSize: 20,
            pageSizeOptions: [20, 50, 100],
            search: true,
            emptyRowsWhenPaging: false,
            debounceInterval: 300,
          }}
          columns={columns}
          data={async tableQuery => {
            const page = await api.listInstances(
              query({
                limit: tableQuery.pageSize,
                offset: tableQuery.page * tableQuery.pageSize,
                search: tableQuery.search || undefined,
              }),
            );
            return {
              data: page.items,
              page: tableQuery.page,
              totalCount: page.totalCount,
            };
          }}
        />
      </Grid>
    </Grid>
  );
};
