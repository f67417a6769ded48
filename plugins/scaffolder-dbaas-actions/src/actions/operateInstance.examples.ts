import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Stop or start a database picked in the catalog, e.g. outside working hours',
    example: yaml.stringify({
      parameters: [
        {
          title: 'Database',
          required: ['database', 'operation'],
          properties: {
            database: {
              title: 'Database',
              type: 'string',
              'ui:field': 'EntityPicker',
              'ui:options': { catalogFilter: { kind: 'Resource' } },
            },
            operation: {
              title: 'Operation',
              type: 'string',
              enum: ['stop', 'start', 'restart'],
            },
          },
        },
      ],
      steps: [
        {
          id: 'operate',
          action: 'dbaas:instance:operate',
          name: 'Stop, start or restart the database',
          input: {
            instance: '${{ parameters.database }}',
            operation: '${{ parameters.operation }}',
          },
        },
      ],
      output: {
        text: [
          {
            title: 'Status',
            content: 'The database is ${{ steps.operate.output.status }}',
          },
        ],
      },
    }),
  },
  {
    description: 'Restart a database by name, e.g. after changing its settings',
    example: yaml.stringify({
      steps: [
        {
          id: 'restart',
          action: 'dbaas:instance:operate',
          name: 'Restart database',
          input: { instance: 'orders-db', operation: 'restart' },
        },
      ],
    }),
  },
];
