import { NotFoundError } from '@backstage/errors';
import {
  createDatabaseRequestSchema,
  createDatabaseUserRequestSchema,
} from '@dbaas/plugin-dbaas-common';
import { parse } from '../requestChecks';
import { anyPrincipal, audited } from './audited';
import { ApiRouter, RouteDeps } from './deps';

/** Users and databases inside an instance's server. */
export function objectRoutes(api: ApiRouter, deps: RouteDeps) {
  const { httpAuth, auditor } = deps;
  const service = () => {
    if (!deps.objects) {
      throw new NotFoundError(
        'This Manager does not manage users and databases',
      );
    }
    return deps.objects;
  };
  const user = (u: { instanceId: string; name: string; role: string }) => ({
    instanceId: u.instanceId,
    user: u.name,
    role: u.role,
  });
  const database = (d: { instanceId: string; name: string }) => ({
    instanceId: d.instanceId,
    database: d.name,
  });

  api.get('/instances/:id/users', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    res.json({ items: await service().listUsers(req.params.id, credentials) });
  });

  api.post('/instances/:id/users', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    const body = parse(createDatabaseUserRequestSchema, req.body ?? {}, 'body');
    res
      .status(202)
      .json(
        await audited(
          auditor,
          req,
          'database-user-create',
          'medium',
          () => service().createUser(req.params.id, body, credentials),
          user,
        ),
      );
  });

  api.delete('/instances/:id/users/:userName', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    res
      .status(202)
      .json(
        await audited(
          auditor,
          req,
          'database-user-delete',
          'medium',
          () =>
            service().deleteUser(
              req.params.id,
              req.params.userName,
              credentials,
            ),
          user,
        ),
      );
  });

  api.get('/instances/:id/users/:userName/credentials', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    const result = await audited(
      auditor,
      req,
      'database-user-credentials-read',
      'high',
      () =>
        service().userCredentials(
          req.params.id,
          req.params.userName,
          credentials,
        ),
      // never the password: only whose was read
      () => ({ instanceId: req.params.id, user: req.params.userName }),
    );
    res.setHeader('Cache-Control', 'no-store');
    res.json(result);
  });

  api.get('/instances/:id/databases', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    res.json({
      items: await service().listDatabases(req.params.id, credentials),
    });
  });

  api.post('/instances/:id/databases', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    const body = parse(createDatabaseRequestSchema, req.body ?? {}, 'body');
    res
      .status(202)
      .json(
        await audited(
          auditor,
          req,
          'database-create',
          'medium',
          () => service().createDatabase(req.params.id, body, credentials),
          database,
        ),
      );
  });

  api.delete('/instances/:id/databases/:databaseName', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    res
      .status(202)
      .json(
        await audited(
          auditor,
          req,
          'database-delete',
          'medium',
          () =>
            service().deleteDatabase(
              req.params.id,
              req.params.databaseName,
              credentials,
            ),
          database,
        ),
      );
  });
}
