import { AuditorService, HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  createInstanceRequestSchema,
  listInstancesQuerySchema,
  updateInstanceRequestSchema,
} from '@dbaas/plugin-dbaas-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';

const logsQuerySchema = z
  .object({ tail: z.coerce.number().int().min(1).max(5000).default(200) })
  .strict();
import { issuePath } from '../config/readDbaasConfig';
import { PayloadTooLargeError, TooManyRequestsError } from './errors';
import { InstanceService } from './InstanceService';

export interface RouterOptions {
  service: InstanceService;
  httpAuth: HttpAuthService;
  auditor: AuditorService;
}

const BODY_LIMIT = '16kb';

export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { service, httpAuth, auditor } = options;
  const router = Router();
  router.use(express.json({ limit: BODY_LIMIT }));

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/flavors', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    res.json({ items: service.listFlavors() });
  });

  router.get('/runtimes', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    res.json(service.listRuntimes());
  });

  router.post('/instances', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const audit = await auditor.createEvent({
      eventId: 'instance-create',
      severityLevel: 'medium',
      request: req,
    });
    try {
      const body = parse(createInstanceRequestSchema, req.body ?? {}, 'body');
      const dryRun = req.query.dryRun === 'true';
      const instance = await service.create(body, credentials, { dryRun });
      await audit.success({
        meta: {
          instanceId: instance.id,
          name: instance.name,
          owner: instance.owner,
          dryRun,
        },
      });
      res.status(dryRun ? 200 : 202).json(instance);
    } catch (error) {
      await audit.fail({ error: error as Error });
      if (error instanceof TooManyRequestsError) {
        res.setHeader('Retry-After', String(error.retryAfterSeconds));
      }
      throw error;
    }
  });

  router.get('/instances', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const query = parse(listInstancesQuerySchema, req.query, 'query');
    res.json(
      await service.list(
        {
          owners: query.owner ? [query.owner].flat() : undefined,
          statuses: query.status ? [query.status].flat() : undefined,
          flavorId: query.flavor,
          engines: query.engine ? [query.engine].flat() : undefined,
          name: query.name,
          search: query.search,
          limit: query.limit,
          offset: query.offset,
        },
        credentials,
      ),
    );
  });

  router.get('/instances/:id', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    res.json(await service.get(req.params.id, credentials));
  });

  router.patch('/instances/:id', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const body = parse(updateInstanceRequestSchema, req.body ?? {}, 'body');
    res.json(await service.update(req.params.id, body, credentials));
  });

  router.delete('/instances/:id', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const audit = await auditor.createEvent({
      eventId: 'instance-delete',
      severityLevel: 'medium',
      request: req,
      meta: { instanceId: req.params.id },
    });
    try {
      const instance = await service.delete(req.params.id, credentials);
      await audit.success({
        meta: { name: instance.name, owner: instance.owner },
      });
      res.status(202).json(instance);
    } catch (error) {
      await audit.fail({ error: error as Error });
      throw error;
    }
  });

  router.post('/instances/:id/deploy', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    res.status(202).json(await service.deploy(req.params.id, credentials));
  });

  router.get('/instances/:id/logs', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const { tail } = parse(logsQuerySchema, req.query, 'query');
    res.json({ text: await service.logs(req.params.id, tail, credentials) });
  });

  router.get('/instances/:id/events', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    res.json({ items: await service.events(req.params.id, credentials) });
  });

  router.get('/instances/:id/credentials', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const audit = await auditor.createEvent({
      eventId: 'instance-credentials-read',
      severityLevel: 'high',
      request: req,
      meta: { instanceId: req.params.id },
    });
    try {
      const result = await service.credentials(req.params.id, credentials);
      await audit.success();
      res.setHeader('Cache-Control', 'no-store');
      res.json(result);
    } catch (error) {
      await audit.fail({ error: error as Error });
      throw error;
    }
  });

  // body-parser's errors, reworded to name the field at fault
  router.use(
    (
      error: Error & { type?: string },
      _req: express.Request,
      _res: express.Response,
      next: express.NextFunction,
    ) => {
      if (error.type === 'entity.parse.failed') {
        next(new InputError(`body: malformed JSON (${error.message})`));
      } else if (error.type === 'entity.too.large') {
        next(
          new PayloadTooLargeError(
            `body: larger than the limit of ${BODY_LIMIT}`,
          ),
        );
      } else {
        next(error);
      }
    },
  );

  return router;
}

function parse<T extends z.ZodTypeAny>(
  schema: T,
  value: unknown,
  where: string,
): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    if (issue.code === 'unrecognized_keys') {
      throw new InputError(
        `${where}: unknown field(s) ${issue.keys.join(', ')}`,
      );
    }
    const { path, message } = issuePath(result.error);
    throw new InputError(`${path || where}: ${message}`);
  }
  return result.data;
}
