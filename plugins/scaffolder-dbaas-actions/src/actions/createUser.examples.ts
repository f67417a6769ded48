import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Give a team a read-only user on a database picked in the catalog, e.g. for reporting',
    example: yaml.stringify({
      parameters: [
        {
          title: 'User',
          required: ['database', 'name', 'role'],
          properties: {
            database: {
              title: 'Database',
              type: 'string',
              'ui:field': 'EntityPicker',
              'ui:options': { catalogFilter: { kind: 'Resource' } },
            },
            name: {
              title: 'User name',
              type: 'string',
              pattern: '^[a-z][a-z0-9_]{0,30}$',
            },
            role: {
              title: 'Role',
              type: 'string',
              enum: ['readonly', 'readwrite'],
            },
          },
        },
      ],
      steps: [
        {
          id: 'user',
          action: 'dbaas:instance:create-user',
          name: 'Make the user',
          input: {
            instance: '${{ parameters.database }}',
            name: '${{ parameters.name }}',
            role: '${{ parameters.role }}',
          },
        },
      ],
      output: {
        text: [
          {
            title: 'User',
            content:
              'User ${{ steps.user.output.name }} (${{ steps.user.output.role }} on ${{ steps.user.output.database }}) is ready; read its password on the instance page',
          },
        ],
      },
    }),
  },
  {
    description:
      'A read-write user on another database of the server, by the instance name',
    example: yaml.stringify({
      steps: [
        {
          id: 'user',
          action: 'dbaas:instance:create-user',
          name: 'Make the loader user',
          input: {
            instance: 'orders-db',
            name: 'loader',
            role: 'readwrite',
            database: 'staging',
          },
        },
      ],
    }),
  },
];
