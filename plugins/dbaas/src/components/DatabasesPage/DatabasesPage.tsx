import {
  Content,
  ContentHeader,
  EmptyState,
  LinkButton,
  Progress,
  ResponseErrorPanel,
  SupportButton,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { Grid } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { dbaasApiRef } from '../../api';
import { FlavorTable } from '../FlavorTable';
import { InstancesTable } from '../InstancesTable';
import { CliAccessButton } from './CliAccess';
import { LeaksGridItem } from './LeaksPanel';

/** Where the Create Database template lives in a portal with the scaffolder at /create. */
export const CREATE_DATABASE_PATH = '/create/templates/default/create-database';

/** Opens the Create Database template. */
const CreateDatabaseButton = () => (
  <LinkButton to={CREATE_DATABASE_PATH} color="primary" variant="contained">
    Create Database
  </LinkButton>
);

export const DatabasesPage = () => {
  const api = useApi(dbaasApiRef);
  const { value, loading, error } = useAsync(
    async () => ({
      flavors: await api.listFlavors(),
      any: (await api.listInstances({ limit: 1 })).totalCount > 0,
    }),
    [api],
  );

  let body;
  if (loading) {
    body = <Progress />;
  } else if (error) {
    body = (
      <ResponseErrorPanel
        error={error}
        title="The DBaaS Manager did not answer"
      />
    );
  } else if (!value!.flavors.length) {
    body = (
      <EmptyState
        missing="data"
        title="No flavors configured"
        description="Add flavors under dbaas.flavors in app-config.yaml to offer databases to your developers."
      />
    );
  } else {
    body = (
      <Grid container spacing={3}>
        <Grid item xs={12}>
          {value!.any ? (
            <InstancesTable />
          ) : (
            <EmptyState
              missing="content"
              title="No databases yet"
              description="Create a PostgreSQL or MariaDB database for your team: pick a flavor and a size, and connect in about a minute."
              action={<CreateDatabaseButton />}
            />
          )}
        </Grid>
        {/* platform admins only, and only when there is something to show */}
        <LeaksGridItem />
        <Grid item xs={12}>
          <FlavorTable flavors={value!.flavors} />
        </Grid>
      </Grid>
    );
  }

  return (
    <Content>
      <ContentHeader title="Self-service databases">
        <CreateDatabaseButton />
        <CliAccessButton />
        <SupportButton>
          Databases made by the DBaaS Manager: PostgreSQL and MariaDB
          (MySQL-compatible), by self-service.
        </SupportButton>
      </ContentHeader>
      {body}
    </Content>
  );
};
