import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: 'Provision the host of a PostgreSQL database for a team',
    example: yaml.stringify({
      steps: [
        {
          id: 'provision',
          action: 'dbaas:vm:provision',
          name: 'Provision host',
          input: {
            name: 'orders-db',
            owner: 'group:default/team-a',
            flavorId: 'postgresql-17-small',
            storageGiB: 10,
          },
        },
      ],
    }),
  },
  {
    description:
      'Provision a database that serves a component, on a given runtime',
    example: yaml.stringify({
      steps: [
        {
          id: 'provision',
          action: 'dbaas:vm:provision',
          name: 'Provision host',
          input: {
            name: '${{ parameters.name }}',
            owner: '${{ parameters.owner }}',
            flavorId: '${{ parameters.flavorId }}',
            runtime: 'local',
            component: 'component:default/orders-service',
          },
        },
      ],
    }),
  },
];
