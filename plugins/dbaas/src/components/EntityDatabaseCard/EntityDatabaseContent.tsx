import { useEntity } from '@backstage/plugin-catalog-react';
import { InstanceDetails } from '../InstancePage';
import { DBAAS_INSTANCE_ID_ANNOTATION } from './entityFilters';

export const EntityDatabaseContent = () => {
  const { entity } = useEntity();
  const id = entity.metadata.annotations?.[DBAAS_INSTANCE_ID_ANNOTATION];
  return id ? <InstanceDetails id={id} /> : null;
};
