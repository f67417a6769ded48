import { AuditorService, HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  createInstanceRequestSchema,
  DbaasApiOperations,
  Instance,
  listInstancesQuerySchema,
  updateInstanceRequestSchema,
} from '@dbaas/plugin-dbaas-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { issuePath } from '../config/readDbaasConfig';
import { createOpenApiRouter } from '../schema/openapi/generated/router';
import { PayloadTooLargeError, TooManyRequestsError } from './errors';
import { actorOf, principalOf } from './access/principal';
import { InstanceService } from './InstanceService';

const logsQuerySchema = z
  .object({ tail: z.coerce.number().int().min(1).max(5000).default(200) })
  .strict();

/**
 * The checks whose messages are written for people (`name: must be a DNS label …`), by the
 * spec's operationId. The spec rejects first; where one of these rejects the same input, its
 * message is the answer, and the spec's generic one only where none does.
 */
const CHECKS: Partial<
  Record<
    keyof DbaasApiOperations,
    { body?: z.ZodTypeAny; query?: z.ZodTypeAny }
  >
> = {
  createInstance: { body: createInstanceRequestSchema },
  updateInstance: { body: updateInstanceRequestSchema },
  listInstances: { query: listInstancesQuerySchema },
  getLogs: { query: logsQuerySchema },
};

export interface RouterOptions {
  service: InstanceService;
  httpAuth: HttpAuthService;
  auditor: AuditorService;
}

const BODY_LIMIT = '16kb';

/** A typed route's request, as the auditor takes it. */
type AuditedRequest = NonNullable<
  Parameters<AuditorService['createEvent']>[0]['request']
> & { params: { id?: string } };

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

/**
 * The Manager's REST API: the routes of `schema/openapi.yaml`, on a router generated from it
 * that validates each request against the spec before a handler runs, and whose handlers'
 * requests and answers are typed by it.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { service, httpAuth, auditor } = options;
  const router = Router();
  // parsed before the validated router, whose error handler would make body-parser's 413 a 400
  router.use(express.json({ limit: BODY_LIMIT }));
  router.use(bodyParserErrors);

  const api = await createOpenApiRouter({
    // the Backstage httpAuth service checks tokens, for users and services alike
    validatorOptions: { validateSecurity: false },
  });
  // reached only by requests the spec accepted
  api.use((_req, res, next) => {
    res.locals.dbaasSpecAccepted = true;
    next();
  });
  router.use(api);
  router.use(specErrors);

  api.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  api.get('/whoami', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    const principal = principalOf(credentials);
    res.json({ type: principal.type, ref: actorOf(credentials) });
  });

  api.get('/flavors', async (req, res) => {
    await httpAuth.credentials(req, anyPrincipal);
    res.json({ items: service.listFlavors() });
  });

  api.get('/runtimes', async (req, res) => {
    await httpAuth.credentials(req, anyPrincipal);
    res.json(service.listRuntimes());
  });

  /** Runs an action inside an auditor event: success with what `describe` says of the result, or fail. */
  async function audited<T>(
    req: AuditedRequest,
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

  api.post('/instances', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    const dryRun = req.query.dryRun === true;
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

  api.get('/instances', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    const query = parse(listInstancesQuerySchema, req.query, 'query');
    res.json(
      await service.list(
        {
          owners: query.owner,
          statuses: query.status,
          flavorId: query.flavor,
          engines: query.engine,
          name: query.name,
          search: query.search,
          limit: query.limit,
          offset: query.offset,
        },
        credentials,
      ),
    );
  });

  api.get('/instances/:id', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    res.json(await service.get(req.params.id, credentials));
  });

  api.patch('/instances/:id', async (req, res) => {
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

  api.delete('/instances/:id', async (req, res) => {
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

  api.post('/instances/:id/deploy', async (req, res) => {
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

  api.get('/instances/:id/logs', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    const { tail } = parse(logsQuerySchema, req.query, 'query');
    res.json({ text: await service.logs(req.params.id, tail, credentials) });
  });

  api.get('/instances/:id/events', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    res.json({ items: await service.events(req.params.id, credentials) });
  });

  api.get('/instances/:id/credentials', async (req, res) => {
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

  api.get('/instances/:id/ca', async (req, res) => {
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

  api.post('/admin/reseal', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    const report = await audited(
      req,
      'secrets-reseal',
      'high',
      () => service.reseal(credentials),
      done => ({ ...done }),
    );
    res.json({ ...report });
  });

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

/** body-parser's errors, reworded to name the field at fault. */
function bodyParserErrors(
  error: Error & { type?: string },
  _req: express.Request,
  _res: express.Response,
  next: express.NextFunction,
) {
  if (error.type === 'entity.parse.failed') {
    next(new InputError(`body: malformed JSON (${error.message})`));
  } else if (error.type === 'entity.too.large') {
    next(
      new PayloadTooLargeError(`body: larger than the limit of ${BODY_LIMIT}`),
    );
  } else {
    next(error);
  }
}

/**
 * A request the spec rejected: the operation's own check says why where it rejects the input
 * too; otherwise the validator's message, its `request/body/x` paths reworded to name the
 * field (`storageGiB: must be >= 1`, `status.0: must be equal to one of the allowed values: …`).
 */
function specErrors(
  error: Error,
  req: express.Request & { openapi?: { schema?: { operationId?: string } } },
  res: express.Response,
  next: express.NextFunction,
) {
  if (res.locals.dbaasSpecAccepted || !(error instanceof InputError)) {
    next(error);
    return;
  }
  const check =
    CHECKS[req.openapi?.schema?.operationId as keyof DbaasApiOperations];
  try {
    if (check?.body) parse(check.body, req.body ?? {}, 'body');
    if (check?.query) parse(check.query, req.query, 'query');
  } catch (checkError) {
    next(checkError);
    return;
  }
  next(
    new InputError(
      error.message.replace(
        /request\/(body|query|params|headers)((?:\/[^\s/]+)*) /g,
        (_match, where: string, field: string) =>
          `${field ? field.slice(1).replace(/\//g, '.') : where}: `,
      ),
    ),
  );
}
