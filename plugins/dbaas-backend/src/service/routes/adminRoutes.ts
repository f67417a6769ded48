import { anyPrincipal, audited } from './audited';
import { z } from 'zod';
import { parse } from '../requestChecks';
import { ApiRouter, RouteDeps } from './deps';

const warmPoolStateSchema = z.object({ paused: z.boolean() }).strict();

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

  api.get('/admin/warm-pool', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    res.json(await admin.warmPool(credentials));
  });

  api.put('/admin/warm-pool', async (req, res) => {
    const credentials = await httpAuth.credentials(req, anyPrincipal);
    const body = parse(warmPoolStateSchema, req.body ?? {}, 'body');
    res.json(
      await audited(
        auditor,
        req,
        'warm-pool-pause',
        'medium',
        () => admin.pauseWarmPool(credentials, body.paused),
        () => ({ paused: body.paused }),
      ),
    );
  });
}
