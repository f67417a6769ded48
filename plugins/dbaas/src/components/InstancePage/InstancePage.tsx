import { Content, Link } from '@backstage/core-components';
import { useRouteRef } from '@backstage/frontend-plugin-api';
import { Box } from '@material-ui/core';
import { useParams } from 'react-router-dom';
import { rootRouteRef } from '../../routes';
import { InstanceDetails } from './InstanceDetails';

export const InstancePage = () => {
  const { id } = useParams<{ id: string }>();
  const root = useRouteRef(rootRouteRef);
  return (
    <Content>
      <Box mb={2}>
        <Link to={root?.() ?? '/dbaas'}>← All databases</Link>
      </Box>
      <InstanceDetails id={id!} />
    </Content>
  );
};
