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
              enum: ['stop', 'start', 'restart', 'upgrade'],
            },
          },
        },
      ],
      steps: [
        {
          id: 'operate',
          action: 'dbaas:instance:operate',
          name: 'Stop, start, restart or upgrade the database',
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
  {
    description:
      'Upgrade a database to its flavor’s current image in its next maintenance window',
    example: yaml.stringify({
      steps: [
        {
          id: 'upgrade',
          action: 'dbaas:instance:operate',
          name: 'Upgrade in the maintenance window',
          input: {
            instance: 'resource:default/orders-db',
            operation: 'upgrade',
            applyAt: 'next-window',
          },
        },
      ],
      output: {
        text: [
          {
            title: 'Scheduled',
            content:
              'The upgrade runs in the window opening ${{ steps.upgrade.output.scheduledFor }}',
          },
        ],
      },
    }),
  },
  {
    description:
      'Give the application user a new password (read it on the instance page afterwards)',
    example: yaml.stringify({
      steps: [
        {
          id: 'rotate',
          action: 'dbaas:instance:operate',
          name: 'Rotate the password',
          input: { instance: 'orders-db', operation: 'rotate-credentials' },
        },
      ],
    }),
  },
];
