import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Add a database for a new service on a server picked in the catalog',
    example: yaml.stringify({
      parameters: [
        {
          title: 'Database',
          required: ['server', 'name'],
          properties: {
            server: {
              title: 'Database server',
              type: 'string',
              'ui:field': 'EntityPicker',
              'ui:options': { catalogFilter: { kind: 'Resource' } },
            },
            name: {
              title: 'Database name',
              type: 'string',
              pattern: '^[a-z][a-z0-9_]{0,30}$',
            },
          },
        },
      ],
      steps: [
        {
          id: 'database',
          action: 'dbaas:instance:create-database',
          name: 'Make the database',
          input: {
            instance: '${{ parameters.server }}',
            name: '${{ parameters.name }}',
          },
        },
      ],
    }),
  },
];
