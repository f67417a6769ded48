import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Grow the storage of a database picked in the catalog and wait until it is done',
    example: yaml.stringify({
      parameters: [
        {
          title: 'Storage',
          required: ['database', 'storageGiB'],
          properties: {
            database: {
              title: 'Database',
              type: 'string',
              'ui:field': 'EntityPicker',
              'ui:options': { catalogFilter: { kind: 'Resource' } },
            },
            storageGiB: {
              title: 'New size (GiB)',
              type: 'integer',
              minimum: 1,
            },
          },
        },
      ],
      steps: [
        {
          id: 'grow',
          action: 'dbaas:instance:update',
          name: 'Grow the storage',
          input: {
            instance: '${{ parameters.database }}',
            storageGiB: '${{ parameters.storageGiB }}',
          },
        },
      ],
      output: {
        text: [
          {
            title: 'Storage',
            content:
              'The database has ${{ steps.grow.output.storageGiB }} GiB now',
          },
        ],
      },
    }),
  },
  {
    description:
      'Set server parameters in the next maintenance window, and the window itself (Sundays 02:00 UTC)',
    example: yaml.stringify({
      steps: [
        {
          id: 'tune',
          action: 'dbaas:instance:update',
          name: 'Tune the database',
          input: {
            instance: 'orders-db',
            parameters: { max_connections: 200, work_mem: null },
            applyAt: 'next-window',
            maintenanceWindow: { day: 'sunday', hour: 2, durationHours: 2 },
          },
        },
      ],
    }),
  },
  {
    description:
      'Move a database to a bigger flavor and let its storage grow by itself, without waiting',
    example: yaml.stringify({
      steps: [
        {
          id: 'resize',
          action: 'dbaas:instance:update',
          name: 'Bigger flavor',
          input: {
            instance: 'resource:default/orders-db',
            flavorId: 'postgresql-17-medium',
            storage: { autoGrow: true, maxGiB: 50 },
            wait: false,
          },
        },
      ],
    }),
  },
];
