import { AuditorService, HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  createInstanceRequestSchema,
  Instance,
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
import { actorOf, principalOf } from './access/principal';
import { InstanceService } from './InstanceService';

export interface RouterOptions {
  service: InstanceService;
  httpAuth: HttpAuthService;
  auditor: AuditorService;
}

const BODY_LIMIT = '16kb';

type AuditMeta = NonNullable<
  Parameters<Awaited<ReturnType<AuditorService['createEvent']>>['success']>[0]
>['meta'];

/** What an audit record says of an instance an action returned. */
const withInstance =
  (extra: AuditMeta = {}) =>
  (instance: Instance): AuditMeta => ({
    instanceId: instance.id,
    name: instance.name,
    owner: instance.owner,
    ...extra,
  });

/** Users and services alike: the Manager's access control decides per permission. */
const anyPrincipal = {
  allow: ['user', 'service'] as Array<'user' | 'service'>,
};

export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { service, httpAuth, auditor } = options;
  const router = Router();
  router.use(express.json({ limit: BODY_LIMIT }));

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/whoami', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    const principal = principalOf(credentials);
    res.json({ type: principal.type, ref: actorOf(credentials) });
  });

  router.get('/flavors', async (req, res) => {
    await httpAuth.credentials(req, anyPrincipal);
    res.json({ items: service.listFlavors() });
  });

  router.get('/runtimes', async (req, res) => {
    await httpAuth.credentials(req, anyPrincipal);
    res.json(service.listRuntimes());
  });

  /** Runs an action inside an auditor event: success with what `describe` says of the result, or fail. */
  async function audited<T>(
    req: express.Request,
    eventId: string,
    severityLevel: 'low' | 'medium' | 'high',
    action: () => Promise<T>,
    describe: (result: T) => AuditMeta,
  ): Promise<T> {
    const audit = await auditor.createEvent({
      eventId,
      severityLevel,
      request: req,
      meta: req.params.id ? { instanceId: req.params.id } : undefined,
    });
    try {
      const result = await action();
      await audit.success({ meta: describe(result) });
      return result;
    } catch (error) {
      await audit.fail({ error: error as Error });
      throw error;
    }
  }

  router.post('/instances', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    const dryRun = req.query.dryRun === 'true';
    try {
      const instance = await audited(
        req,
        'instance-create',
        'medium',
        () =>
          service.create(
            parse(createInstanceRequestSchema, req.body ?? {}, 'body'),
            credentials,
            { dryRun },
          ),
        withInstance({ dryRun }),
      );
      res.status(dryRun ? 200 : 202).json(instance);
    } catch (error) {
      if (error instanceof TooManyRequestsError) {
        res.setHeader('Retry-After', String(error.retryAfterSeconds));
      }
      throw error;
    }
  });

  router.get('/instances', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
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
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    res.json(await service.get(req.params.id, credentials));
  });

  router.patch('/instances/:id', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    const body = parse(updateInstanceRequestSchema, req.body ?? {}, 'body');
    res.json(
      await audited(
        req,
        'instance-update',
        'medium',
        () => service.update(req.params.id, body, credentials),
        withInstance({ patch: body }),
      ),
    );
  });

  router.delete('/instances/:id', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    res
      .status(202)
      .json(
        await audited(
          req,
          'instance-delete',
          'medium',
          () => service.delete(req.params.id, credentials),
          withInstance(),
        ),
      );
  });

  router.post('/instances/:id/deploy', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    res
      .status(202)
      .json(
        await audited(
          req,
          'instance-deploy',
          'low',
          () => service.deploy(req.params.id, credentials),
          withInstance(),
        ),
      );
  });

  router.get('/instances/:id/logs', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    const { tail } = parse(logsQuerySchema, req.query, 'query');
    res.json({ text: await service.logs(req.params.id, tail, credentials) });
  });

  router.get('/instances/:id/events', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    res.json({ items: await service.events(req.params.id, credentials) });
  });

  router.get('/instances/:id/credentials', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    const result = await audited(
      req,
      'instance-credentials-read',
      'high',
      () => service.credentials(req.params.id, credentials),
      // never the password: only which instance was read
      () => ({ instanceId: req.params.id }),
    );
    res.setHeader('Cache-Control', 'no-store');
    res.json(result);
  });

  router.get('/instances/:id/ca', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    const { name, pem } = await service.caCertificate(
      req.params.id,
      credentials,
    );
    res.setHeader('Content-Type', 'application/x-pem-file');
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="${name}-ca.crt"`,
    );
    res.send(pem);
  });

  router.post('/admin/reseal', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    res.json(
      await audited(
        req,
        'secrets-reseal',
        'high',
        () => service.reseal(credentials),
        report => ({ ...report }),
      ),
    );
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
