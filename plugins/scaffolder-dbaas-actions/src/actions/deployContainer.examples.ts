import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Deploy the engine on the host provisioned by the previous step',
    example: yaml.stringify({
      steps: [
        {
          id: 'deploy',
          action: 'dbaas:container:deploy',
          name: 'Deploy database',
          input: { instanceId: '${{ steps.provision.output.instanceId }}' },
        },
      ],
      output: {
        links: [
          { title: 'Database', url: '${{ steps.deploy.output.instanceUrl }}' },
          {
            title: 'In the catalog',
            entityRef: '${{ steps.deploy.output.entityRef }}',
          },
        ],
      },
    }),
  },
  {
    description:
      'Deploy a database that refuses deletes once it is ready (a cancel before that still deletes it)',
    example: yaml.stringify({
      steps: [
        {
          id: 'deploy',
          action: 'dbaas:container:deploy',
          name: 'Deploy database',
          input: {
            instanceId: '${{ steps.provision.output.instanceId }}',
            deletionProtection: '${{ parameters.deletionProtection }}',
          },
        },
      ],
    }),
  },
];
