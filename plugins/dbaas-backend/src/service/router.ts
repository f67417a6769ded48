import {
  AuditorService,
  HttpAuthService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import express from 'express';
import Router from 'express-promise-router';
import { createOpenApiRouter } from '../schema/openapi/generated/router';
import { actorOf, principalOf } from './access/principal';
import { IdempotencyStore } from '../store/IdempotencyStore';
import { idempotent } from './idempotency';
import { AdminService } from './admin/AdminService';
import { InstanceService } from './InstanceService';
import { BODY_LIMIT, bodyParserErrors, specErrors } from './requestChecks';
import { adminRoutes } from './routes/adminRoutes';
import { anyPrincipal } from './routes/audited';
import { instanceRoutes } from './routes/instanceRoutes';
import { backupRoutes } from './routes/backupRoutes';
import { BackupService } from './BackupService';
import { DatabaseObjectsService } from './DatabaseObjectsService';
import { objectRoutes } from './routes/objectRoutes';

export interface RouterOptions {
  service: InstanceService;
  admin: AdminService;
  httpAuth: HttpAuthService;
  auditor: AuditorService;
  backups?: BackupService;
  objects?: DatabaseObjectsService;
  /** Keeps the first answers to Idempotency-Keys; none: the header is ignored. */
  idempotency?: { store: IdempotencyStore; logger: LoggerService };
}

/**
 * The Manager's REST API: the routes of `schema/openapi.yaml`, on a router generated from it
 * that validates each request against the spec before a handler runs, and whose handlers'
 * requests and answers are typed by it.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { service, httpAuth } = options;
  const router = Router();
  // parsed before the validated router, whose error handler would make body-parser's 413 a 400
  router.use(express.json({ limit: BODY_LIMIT }));
  router.use(bodyParserErrors);
  if (options.idempotency) {
    // a replayed answer was validated when it was first given
    router.post('*', idempotent({ ...options.idempotency, httpAuth }));
  }

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

  instanceRoutes(api, options);
  adminRoutes(api, options);
  backupRoutes(api, options);
  objectRoutes(api, options);

  return router;
}
