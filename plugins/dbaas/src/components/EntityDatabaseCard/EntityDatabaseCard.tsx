import {
  InfoCard,
  Link,
  Progress,
  StructuredMetadataTable,
} from '@backstage/core-components';
import { useApi, useRouteRef } from '@backstage/frontend-plugin-api';
import { catalogApiRef, useEntity } from '@backstage/plugin-catalog-react';
import { Typography } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { useInstance } from '../../hooks/useInstance';
import { instanceRouteRef } from '../../routes';
import { HealthChip, LifecycleStatusChip } from '../StatusChips';
import {
  dependedOnResources,
  DBAAS_INSTANCE_ID_ANNOTATION,
} from './entityFilters';
import { LastBackup } from './LastBackup';

const InstanceSummary = ({ id }: { id: string }) => {
  const { instance, gone, loading } = useInstance(id);
  const instancePath = useRouteRef(instanceRouteRef);
  if (loading) return <Progress />;
  if (gone || !instance) {
    return (
      <Typography variant="body2">Database {id} no longer exists.</Typography>
    );
  }
  const e = instance.endpoint;
  return (
    <StructuredMetadataTable
      metadata={{
        database: (
          <Link to={instancePath?.({ id }) ?? `/dbaas/instances/${id}`}>
            {instance.name}
          </Link>
        ),
        status: <LifecycleStatusChip status={instance.status} />,
        health: (
          <HealthChip health={instance.health} status={instance.status} />
        ),
        engine: `${instance.engine} ${instance.version}`,
        endpoint: e
          ? `${e.host}:${e.port}/${e.database} (user ${e.user})`
          : '—',
        backup: <LastBackup instance={instance} />,
      }}
    />
  );
};

/**
 * On a database Resource: its status, health, engine, endpoint and last backup. On a component that
 * depends on databases: the same for each of them.
 */
export const EntityDatabaseCard = () => {
  const { entity } = useEntity();
  const catalog = useApi(catalogApiRef);
  const ownId = entity.metadata.annotations?.[DBAAS_INSTANCE_ID_ANNOTATION];
  const related = useAsync(async () => {
    if (ownId) return [ownId];
    const refs = dependedOnResources(entity);
    if (!refs.length) return [];
    const { items } = await catalog.getEntitiesByRefs({ entityRefs: refs });
    return items
      .map(r => r?.metadata.annotations?.[DBAAS_INSTANCE_ID_ANNOTATION])
      .filter((id): id is string => Boolean(id));
  }, [catalog, entity, ownId]);

  if (related.loading) return <Progress />;
  const ids = related.value ?? [];
  return (
    <InfoCard title={ids.length > 1 ? 'Databases' : 'Database'}>
      {ids.length === 0 && (
        <Typography variant="body2">
          No database of the DBaaS Manager here.
        </Typography>
      )}
      {ids.map(id => (
        <InstanceSummary key={id} id={id} />
      ))}
    </InfoCard>
  );
};

/** The instance page's content as an entity tab on a database Resource. */
export { EntityDatabaseContent } from './EntityDatabaseContent';
