import {
  Content,
  ContentHeader,
  EmptyState,
  Progress,
  ResponseErrorPanel,
  SupportButton,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import useAsync from 'react-use/esm/useAsync';
import { dbaasApiRef } from '../../api';
import { FlavorTable } from '../FlavorTable';

export const DatabasesPage = () => {
  const dbaasApi = useApi(dbaasApiRef);
  const {
    value: flavors,
    loading,
    error,
  } = useAsync(() => dbaasApi.listFlavors(), [dbaasApi]);

  let body;
  if (loading) {
    body = <Progress />;
  } else if (error) {
    body = <ResponseErrorPanel error={error} />;
  } else if (!flavors?.length) {
    body = (
      <EmptyState
        missing="data"
        title="No flavors configured"
        description="Add flavors under dbaas.flavors in app-config.yaml to offer databases to your developers."
      />
    );
  } else {
    body = <FlavorTable flavors={flavors} />;
  }

  return (
    <Content>
      <ContentHeader title="Databases">
        <SupportButton>
          Self-service PostgreSQL and MySQL/MariaDB databases.
        </SupportButton>
      </ContentHeader>
      {body}
    </Content>
  );
};
