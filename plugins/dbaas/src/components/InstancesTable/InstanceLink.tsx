import { Link } from '@backstage/core-components';
import { useRouteRef } from '@backstage/frontend-plugin-api';
import { instanceRouteRef } from '../../routes';

/** An instance's name, linking to its page (relative to the DBaaS page if that route is not bound). */
export const InstanceLink = (props: { id: string; name: string }) => {
  const instancePath = useRouteRef(instanceRouteRef);
  return (
    <Link to={instancePath?.({ id: props.id }) ?? `instances/${props.id}`}>
      {props.name}
    </Link>
  );
};
