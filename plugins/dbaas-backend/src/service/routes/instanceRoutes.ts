import {
  OPERATION_TYPES,
  createInstanceRequestSchema,
  listInstancesQuerySchema,
  updateInstanceRequestSchema,
} from '@dbaas/plugin-dbaas-common';
import { TooManyRequestsError } from '../errors';
import { logsQuerySchema, parse } from '../requestChecks';
import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { Instance } from '@dbaas/plugin-dbaas-common';
import { Response } from 'express';
import { anyPrincipal, audited, AuditedRequest, withInstance } from './audited';
import { ApiRouter, RouteDeps } from './deps';

/** Creating, reading, changing and deleting instances, and what belongs to one. */
export function instanceRoutes(api: ApiRouter, deps: RouteDeps) {
  const { service, httpAuth, auditor } = deps;

  api.post('/instances', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    const dryRun = req.query.dryRun === true;
    try {
      const instance = await audited(
        auditor,
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
          changedSince: query.changedSince,
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
        auditor,
        req,
        'instance-update',
        'medium',
        () => service.update(req.params.id, body, credentials),
        withInstance({ patch: body }),
      ),
    );
  });

  /** An audited operation on one instance, answered 202 with the instance. */
  const accepted =
    (
      eventId: string,
      severityLevel: 'low' | 'medium',
      run: (
        id: string,
        credentials: BackstageCredentials,
        query: Record<string, unknown>,
      ) => Promise<Instance>,
    ) =>
    async (
      req: AuditedRequest & { params: { id: string }; query?: any },
      res: Response,
    ) => {
      const credentials = await httpAuth.credentials(req, anyPrincipal);
      res
        .status(202)
        .json(
          await audited(
            auditor,
            req,
            eventId,
            severityLevel,
            () => run(req.params.id, credentials, req.query ?? {}),
            withInstance(req.query ?? {}),
          ),
        );
    };

  api.delete(
    '/instances/:id',
    accepted('instance-delete', 'medium', (id, c, query) =>
      service.delete(id, c, {
        skipFinalBackup: query.skipFinalBackup === true,
      }),
    ),
  );
  for (const type of OPERATION_TYPES) {
    api.post(
      `/instances/:id/${type}`,
      accepted(`instance-${type}`, 'medium', (id, c, query) =>
        service.operate(id, type, c, {
          nextWindow: query.applyAt === 'next-window',
        }),
      ),
    );
  }
  api.delete('/instances/:id/scheduled-operation', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    res.json(
      await audited(
        auditor,
        req,
        'instance-scheduled-operation-cancel',
        'medium',
        () => service.cancelScheduled(req.params.id, credentials),
        withInstance(),
      ),
    );
  });
  api.post(
    '/instances/:id/deploy',
    accepted('instance-deploy', 'low', (id, c) => service.deploy(id, c)),
  );

  api.get('/instances/:id/logs', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    const { tail } = parse(logsQuerySchema, req.query, 'query');
    res.json({ text: await service.logs(req.params.id, tail, credentials) });
  });

  api.get('/instances/:id/metrics', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    const hours = Number(req.query.hours ?? 24);
    res.json(await service.metrics(req.params.id, hours, credentials));
  });

  api.get('/instances/:id/events', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    res.json({ items: await service.events(req.params.id, credentials) });
  });

  api.get('/instances/:id/credentials', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    const result = await audited(
      auditor,
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
}
