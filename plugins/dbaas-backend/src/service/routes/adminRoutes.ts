import { anyPrincipal, audited } from './audited';
import { ApiRouter, RouteDeps } from './deps';

/** What platform admins do: re-seal secrets under a new key, see what the janitor could not remove. */
export function adminRoutes(api: ApiRouter, deps: RouteDeps) {
  const { admin, httpAuth, auditor } = deps;

  api.post('/admin/reseal', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    const report = await audited(
      auditor,
      req,
      'secrets-reseal',
      'high',
      () => admin.reseal(credentials),
      done => ({ ...done }),
    );
    res.json({ ...report });
  });

  api.get('/admin/leaks', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    res.json({ items: await admin.leaks(credentials) });
  });
}
