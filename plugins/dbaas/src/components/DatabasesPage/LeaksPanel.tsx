import { Table, TableColumn } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { LeakReport } from '@dbaas/plugin-dbaas-common';
import { Grid, Typography } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { dbaasApiRef } from '../../api';
import { age, InstanceLink } from '../InstancesTable';

const dash = '—';

export const LeaksPanel = (props: { leaks: LeakReport[] }) => {
  // widths add up to 100%, so the last error gets the room it needs
  const columns: TableColumn<LeakReport>[] = [
    {
      title: 'Name',
      width: '13%',
      render: leak => <InstanceLink id={leak.id} name={leak.name} />,
    },
    { title: 'Runtime', field: 'runtime', width: '9%' },
    { title: 'Host', width: '10%', render: leak => leak.host ?? dash },
    {
      title: 'Owner',
      width: '11%',
      render: leak => (
        <EntityRefLink entityRef={leak.owner} defaultKind="group" />
      ),
    },
    {
      title: 'Failed at',
      width: '18%',
      render: leak => (
        <div title={leak.failedAt}>
          {new Date(leak.failedAt).toLocaleString(undefined, {
            dateStyle: 'medium',
            timeStyle: 'short',
          })}
          <Typography variant="caption" color="textSecondary" component="div">
            {age(leak.failedAt)} ago
          </Typography>
        </div>
      ),
    },
    { title: 'Attempts', field: 'attempts', type: 'numeric', width: '9%' },
    {
      title: 'Last error',
      width: '30%',
      render: leak => (
        <span style={{ wordBreak: 'break-word' }}>
          {leak.lastError ?? dash}
        </span>
      ),
    },
  ];

  return (
    <Table<LeakReport>
      title="Left behind by failed creates"
      subtitle="Servers or hosts of failed creates that could not be removed yet. The janitor keeps retrying; until it succeeds, each still counts in its owner's quota. In the CLI: dbaas admin leaks"
      options={{
        paging: props.leaks.length > 10,
        pageSize: 10,
        search: false,
        padding: 'dense',
      }}
      columns={columns}
      data={props.leaks}
    />
  );
};

/**
 * The failed creates whose server or host the janitor could not remove yet
 * (`GET /admin/leaks`), as a grid item of the Databases page. Only platform admins may
 * list them: for anyone else the Manager answers 403, and this renders nothing, as it
 * does for any other failure of the call and for an empty list — the panel is a hint for
 * admins, never an error on the page. It asks on its own, so its answer re-renders
 * only itself, not the page's tables.
 */
export const LeaksGridItem = () => {
  const api = useApi(dbaasApiRef);
  const { value: leaks } = useAsync(
    () => api.listLeaks().catch(() => [] as LeakReport[]),
    [api],
  );
  if (!leaks?.length) {
    return null;
  }
  return (
    <Grid item xs={12}>
      <LeaksPanel leaks={leaks} />
    </Grid>
  );
};
