import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: 'Delete a database in a teardown template',
    example: yaml.stringify({
      steps: [
        {
          id: 'delete',
          action: 'dbaas:instance:delete',
          name: 'Delete database',
          input: { instanceId: '${{ parameters.instanceId }}' },
        },
      ],
    }),
  },
];
