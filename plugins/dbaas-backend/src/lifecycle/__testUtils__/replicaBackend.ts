/*
 * One Manager replica as a backend process of its own: a Backstage backend with the dbaas
 * plugin (routes, lifecycle, scheduled tasks), the reliability runtimes, a test catalog and
 * mock user auth, on a free port, with its store in the PostgreSQL database named by
 * `backend.database` (the real database service). Started by replicaProcess.ts, which passes
 * the settings in REPLICA_BACKEND (JSON) and reads "LISTENING <port>" from its output. Every log
 * line goes to stdout/stderr unredacted, so the tests can scan them for secrets.
 */
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { monitorEventLoopDelay } from 'perf_hooks';
import { dbaasPlugin } from '../../plugin';
import { testCatalogFactory } from '../../testUtils';
import { intervalSchedulerFactory } from './intervalScheduler';
import { reliabilityRuntimesModule } from './reliabilityRuntimes';

export interface ReplicaBackendSettings {
  replicaId: string;
  /** backend.database: client pg, connection, prefix (the store is `<prefix>dbaas`). */
  database: Record<string, unknown>;
  /** The dbaas block of app-config (replicaId is set from above). */
  dbaas: Record<string, unknown>;
  /** Scheduled tasks run every frequency × this. Default 1. */
  schedulerScale?: number;
  /** Where the reliability runtimes journal their calls. */
  journal?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

async function main() {
  const settings: ReplicaBackendSettings = JSON.parse(
    process.env.REPLICA_BACKEND!,
  );
  const backend = await startTestBackend({
    features: [
      dbaasPlugin,
      reliabilityRuntimesModule({
        file: settings.journal,
        replica: settings.replicaId,
      }),
      testCatalogFactory(),
      intervalSchedulerFactory(settings.schedulerScale ?? 1),
      mockServices.rootLogger.factory({ level: settings.logLevel ?? 'info' }),
      mockServices.rootConfig.factory({
        // plain JSON, as it came
        data: JSON.parse(
          JSON.stringify({
            backend: { database: settings.database },
            dbaas: { ...settings.dbaas, replicaId: settings.replicaId },
          }),
        ),
      }),
    ],
  });
  process.stdout.write(`LISTENING ${backend.server.port()}\n`);
  // a stalled event loop delays lease renewals: say so, the tests read it in the log
  const delay = monitorEventLoopDelay({ resolution: 20 });
  delay.enable();
  setInterval(() => {
    const maxMs = delay.max / 1e6;
    if (maxMs > 1000) {
      process.stdout.write(
        `EVENT LOOP STALLED ${Math.round(maxMs)} ms (replica ${
          settings.replicaId
        })\n`,
      );
    }
    delay.reset();
  }, 2000).unref();
  const stop = () =>
    backend
      .stop()
      .catch(() => {})
      .finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch(error => {
  process.stderr.write(`replica backend failed to start: ${error.stack}\n`);
  process.exit(1);
});
