import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import {
  entityRefSchema,
  instanceNameSchema,
  runtimeNameSchema,
} from '@dbaas/plugin-dbaas-common';
import express from 'express';
import fs from 'fs';
import request from 'supertest';
import yaml from 'yaml';
import { z } from 'zod';
import { createRouter } from '../service/router';
import { spec as generatedSpec } from './openapi/generated/router';

/** Every route of a router and of the routers mounted in it, as `GET /path`. */
function routesOf(router: any): string[] {
  return router.stack.flatMap((layer: any) => {
    if (layer.route) {
      return Object.keys(layer.route.methods).map(
        m => `${m.toUpperCase()} ${layer.route.path}`,
      );
    }
    return layer.handle?.stack ? routesOf(layer.handle) : [];
  });
}

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
    const served = routesOf(router).filter(
      // the spec itself, which Backstage's validated router serves
      route => route !== 'GET /openapi.json',
    );

    expect(documented.sort()).toEqual(served.sort());
  });

  it('states the patterns the hand-written checks enforce', () => {
    const patternOf = (schema: z.ZodString) =>
      schema._def.checks
        .flatMap(check =>
          check.kind === 'regex' ? [check.regex.source] : [],
        )[0]
        .replace(/\\\//g, '/');
    const { schemas } = generatedSpec.components;

    expect(patternOf(instanceNameSchema)).toBe(
      schemas.CreateInstanceRequest.properties.name.pattern,
    );
    expect(patternOf(entityRefSchema)).toBe(schemas.EntityRef.pattern);
    expect(patternOf(runtimeNameSchema)).toBe(schemas.RuntimeName.pattern);
  });

  describe('requests are validated against it', () => {
    const service = {
      get: jest.fn(async (id: string) => ({ id })),
      list: jest.fn(async () => ({ items: [], totalCount: 0 })),
      logs: jest.fn(async () => 'log line'),
    };
    let app: express.Express;

    beforeAll(async () => {
      app = express()
        .use(
          await createRouter({
            service: service as any,
            admin: service as any,
            httpAuth: mockServices.httpAuth(),
            auditor: mockServices.auditor.mock(),
          }),
        )
        // Backstage's error body, as the backend's error middleware answers
        .use(
          (
            error: Error,
            _req: express.Request,
            res: express.Response,
            _next: express.NextFunction,
          ) => {
            res
              .status(error.name === 'InputError' ? 400 : 500)
              .json({ error: { name: error.name, message: error.message } });
          },
        );
    });

    beforeEach(() => jest.clearAllMocks());

    it('before a handler runs, with a message naming the field and the allowed values', async () => {
      const res = await request(app)
        .post('/instances?dryRun=maybe')
        .send({ name: 'orders-db', owner: 'team-a', flavorId: 'small' });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toBe('dryRun: must be boolean');

      const unknown = await request(app).get('/instances/i-1?color=blue');
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.message).toBe(
        "Unknown query parameter 'color'",
      );
      expect(service.get).not.toHaveBeenCalled();
    });

    it("with the operation's own check's message where it rejects the input too", async () => {
      const res = await request(app).get('/instances?status=lost&limit=0');
      expect(res.status).toBe(400);
      expect(res.body.error.message).toBe(
        'status[0]: must be one of provisioning, running, recovering, stopped, deleting, deleted, failed',
      );
      const tail = await request(app).get('/instances/i-1/logs?tail=0');
      expect(tail.body.error.message).toBe(
        'tail: Number must be greater than or equal to 1',
      );
      expect(service.list).not.toHaveBeenCalled();
      expect(service.logs).not.toHaveBeenCalled();
    });

    it('and hands the handlers what the spec says: typed query values, defaults applied', async () => {
      await request(app)
        .get('/instances?owner=team-a&engine=mariadb&limit=5')
        .expect(200);
      expect(service.list).toHaveBeenCalledWith(
        expect.objectContaining({
          owners: ['team-a'],
          engines: ['mariadb'],
          limit: 5,
          offset: 0,
        }),
        expect.anything(),
      );

      await request(app).get('/instances/i-1/logs').expect(200, {
        text: 'log line',
      });
      expect(service.logs).toHaveBeenCalledWith('i-1', 200, expect.anything());
    });
  });
});
