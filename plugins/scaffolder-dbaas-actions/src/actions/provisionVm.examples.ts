import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** A template whose one step runs dbaas:vm:provision with `input`. */
const provisionStep = (input: Record<string, unknown>) =>
  yaml.stringify({
    steps: [
      {
        id: 'provision',
        action: 'dbaas:vm:provision',
        name: 'Provision host',
        input,
      },
    ],
  });

export const examples: TemplateExample[] = [
  {
    description: 'Provision the host of a PostgreSQL database for a team',
    example: provisionStep({
      name: 'orders-db',
      owner: 'group:default/team-a',
      flavorId: 'postgresql-17-small',
      storageGiB: 10,
    }),
  },
  {
    description:
      'Provision a database that serves a component, on a given runtime',
    example: provisionStep({
      name: '${{ parameters.name }}',
      owner: '${{ parameters.owner }}',
      flavorId: '${{ parameters.flavorId }}',
      runtime: 'local',
      component: 'component:default/orders-service',
    }),
  },
];
