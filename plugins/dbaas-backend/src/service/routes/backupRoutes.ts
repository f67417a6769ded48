import { NotFoundError } from '@backstage/errors';
import { anyPrincipal, audited } from './audited';
import { ApiRouter, RouteDeps } from './deps';

/** Taking, listing and deleting backups, and the window an instance can be restored to. */
export function backupRoutes(api: ApiRouter, deps: RouteDeps) {
  const { httpAuth, auditor } = deps;
  const service = () => {
    if (!deps.backups) throw new NotFoundError('This Manager keeps no backups');
    return deps.backups;
  };

  api.post('/instances/:id/backups', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    res.status(202).json(
      await audited(
        auditor,
        req,
        'backup-create',
        'medium',
        () => service().create(req.params.id, credentials),
        backup => ({ instanceId: backup.instanceId, backupId: backup.id }),
      ),
    );
  });

  api.get('/instances/:id/backups', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    res.json({ items: await service().list(req.params.id, credentials) });
  });

  api.get('/instances/:id/recovery-window', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    res.json(await service().recoveryWindow(req.params.id, credentials));
  });

  api.get('/backups/:backupId', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    res.json(await service().get(req.params.backupId, credentials));
  });

  api.delete('/backups/:backupId', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    await audited(
      auditor,
      req,
      'backup-delete',
      'medium',
      () => service().delete(req.params.backupId, credentials),
      backup => ({ instanceId: backup.instanceId, backupId: backup.id }),
    );
    res.status(204).end();
  });
}
