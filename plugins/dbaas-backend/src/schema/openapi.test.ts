import { resolvePackagePath } from '@backstage/backend-plugin-api';
import fs from 'fs';
import yaml from 'yaml';
import { createRouter } from '../service/router';

describe('openapi.yaml', () => {
  it('documents every route the router serves, and nothing else', async () => {
    const spec = yaml.parse(
      fs.readFileSync(
        resolvePackagePath(
          '@dbaas/plugin-dbaas-backend',
          'src/schema/openapi.yaml',
        ),
        'utf8',
      ),
    );
    const documented = Object.entries(spec.paths).flatMap(([path, ops]) =>
      Object.keys(ops as object)
        .filter(op => op !== 'parameters')
        .map(op => `${op.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );

    const router = await createRouter({} as any);
    const served = router.stack
      .filter((layer: any) => layer.route)
      .flatMap((layer: any) =>
        Object.keys(layer.route.methods).map(
          m => `${m.toUpperCase()} ${layer.route.path}`,
        ),
      );

    expect(documented.sort()).toEqual(served.sort());
  });
});
