import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** A template whose one step runs dbaas:instance:restore with `input`. */
const restoreStep = (input: Record<string, unknown>) =>
  yaml.stringify({
    steps: [
      {
        id: 'restore',
        action: 'dbaas:instance:restore',
        name: 'Restore database',
        input,
      },
    ],
  });

export const examples: TemplateExample[] = [
  {
    description:
      "Restore a database's newest completed backup into a new database of the same owner",
    example: restoreStep({
      name: 'orders-db-restored',
      source: 'orders-db',
      backupId: 'latest',
    }),
  },
  {
    description:
      'Restore one given backup into a new database for another team',
    example: restoreStep({
      name: '${{ parameters.name }}',
      owner: 'group:default/team-b',
      source: '${{ parameters.source }}',
      backupId: '${{ parameters.backupId }}',
    }),
  },
  {
    description:
      'Restore a database as of a moment in its recovery window, on another flavor and runtime',
    example: restoreStep({
      name: 'orders-db-before-migration',
      source: 'orders-db',
      pointInTime: '2026-11-29T10:15:00Z',
      flavorId: 'postgresql-17-medium',
      runtime: 'local',
    }),
  },
];
