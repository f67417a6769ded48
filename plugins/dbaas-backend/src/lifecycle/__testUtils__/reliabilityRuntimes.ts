import { createBackendModule } from '@backstage/backend-plugin-api';
import { Config, ConfigReader } from '@backstage/config';
import {
  dbaasRuntimesExtensionPoint,
  HostRef,
  Runtime,
  sleep,
  StepContext,
} from '@dbaas/plugin-dbaas-node';
import fs from 'fs';
import {
  createDockerRuntime,
  readDockerRuntimeConfig,
} from '../../runtimes/docker';
import { createLocalRuntime } from '../../runtimes/local';
import { sharedPostgresRuntime } from '../../runtimes/__testUtils__/sharedPostgresRuntimeModule';

/** The runtime calls that make or remove something. */
export type Call = 'provision' | 'deploy' | 'remove' | 'destroy';

/**
 * What a scripted call does instead of (or besides) its work: throttled (429) or a server error
 * (500) from the runtime's API; slower than the step limit (honours its signal); hung (ignores
 * it, never answers); half-created (the work is done, then the answer is lost); or the disk full.
 */
export type FaultKind =
  | 'throttle'
  | '5xx'
  | 'timeout'
  | 'hang'
  | 'half-created'
  | 'enospc';

export interface ScriptedFault {
  call: Call;
  kind: FaultKind;
  /** How many calls in a row it hits (default 1). */
  times?: number;
}

/** One line of the journal: a runtime call that began, ended or failed, by which replica. */
export interface JournalEntry {
  t: number;
  replica: string;
  runtime: string;
  call: Call;
  id: string;
  name?: string;
  /** `abandoned`: a hung call the Manager gave up on (its signal aborted); it drives nothing more. */
  ev: 'begin' | 'end' | 'fail' | 'abandoned';
  error?: string;
}

export function readJournal(file: string): JournalEntry[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map(line => JSON.parse(line));
}

/** Error objects as a runtime's API client throws them. */
function faultError(kind: FaultKind): Error {
  switch (kind) {
    case 'throttle':
      return Object.assign(
        new Error('(HTTP code 429) too many requests - rate exceeded'),
        { statusCode: 429 },
      );
    case '5xx':
      return Object.assign(
        new Error('(HTTP code 500) server error - internal error'),
        { statusCode: 500 },
      );
    case 'enospc':
      return Object.assign(
        new Error('ENOSPC: no space left on device, write'),
        { code: 'ENOSPC' },
      );
    default:
      return Object.assign(
        new Error('socket hang up: the answer was lost after the request'),
        { code: 'ECONNRESET' },
      );
  }
}

/**
 * Wraps a real runtime: every call that makes or removes something is journaled (one JSON line,
 * written synchronously, so a SIGKILL loses no finished line), may be slowed down by
 * `latencyMs`, and may meet the faults scripted for the instance's name in `faults`.
 */
function instrument(
  inner: Runtime,
  name: string,
  config: Config,
  journal: { file?: string; replica: string },
): Runtime {
  const faults = new Map<string, ScriptedFault[]>(
    Object.entries(
      (config.getOptional('faults') as Record<string, ScriptedFault[]>) ?? {},
    ).map(([instanceName, list]) => [
      instanceName,
      list.map(f => ({ ...f, times: f.times ?? 1 })),
    ]),
  );
  const latencyMs = config.getOptionalNumber('latencyMs') ?? 0;
  const names = new Map<string, string>();
  const record = (entry: Omit<JournalEntry, 't' | 'replica' | 'runtime'>) => {
    if (journal.file) {
      fs.appendFileSync(
        journal.file,
        `${JSON.stringify({
          t: Date.now(),
          replica: journal.replica,
          runtime: name,
          ...entry,
        })}\n`,
      );
    }
  };
  const wrap = async <T>(
    call: Call,
    id: string,
    instanceName: string | undefined,
    ctx: StepContext,
    work: () => Promise<T>,
  ): Promise<T> => {
    if (instanceName) names.set(id, instanceName);
    const known = instanceName ?? names.get(id);
    record({ call, id, name: known, ev: 'begin' });
    try {
      if (latencyMs) await sleep(latencyMs * (0.5 + Math.random()), ctx.signal);
      const scripted = known
        ? faults.get(known)?.find(f => f.call === call && f.times! > 0)
        : undefined;
      let result: T;
      if (!scripted) {
        result = await work();
      } else {
        scripted.times!--;
        if (scripted.kind === 'hang') {
          // ignores its signal: the Manager must abandon it
          ctx.signal.addEventListener(
            'abort',
            () => record({ call, id, name: known, ev: 'abandoned' }),
            { once: true },
          );
          result = await new Promise<T>(() => {});
        } else if (scripted.kind === 'timeout') {
          await sleep(24 * 3_600_000, ctx.signal);
          throw Object.assign(new Error('the request was aborted'), {
            code: 'ABORT_ERR',
          });
        } else if (scripted.kind === 'half-created') {
          await work();
          throw faultError(scripted.kind);
        } else {
          throw faultError(scripted.kind);
        }
      }
      record({ call, id, name: known, ev: 'end' });
      return result;
    } catch (error) {
      record({
        call,
        id,
        name: known,
        ev: 'fail',
        error: (error as Error).message,
      });
      throw error;
    }
  };
  const nameOf = (database: string) => database.replace(/_/g, '-');
  return {
    ...inner,
    name,
    host: {
      ...inner.host,
      provision: (spec, ctx) =>
        wrap('provision', spec.instanceId, spec.instanceName, ctx, () =>
          inner.host.provision(spec, ctx),
        ),
      describe: ref => inner.host.describe(ref),
      find: id => inner.host.find(id),
      destroy: (ref: HostRef, ctx) =>
        wrap('destroy', ref.instanceId, undefined, ctx, () =>
          inner.host.destroy(ref, ctx),
        ),
    },
    engine: {
      ...inner.engine,
      deploy: (ref, spec, secrets, ctx) =>
        wrap('deploy', spec.instanceId, nameOf(spec.database), ctx, () =>
          inner.engine.deploy(ref, spec, secrets, ctx),
        ),
      health: (ref, spec, secrets) => inner.engine.health(ref, spec, secrets),
      stop: (ref, spec, ctx) => inner.engine.stop(ref, spec, ctx),
      start: (ref, spec, secrets, ctx) =>
        inner.engine.start(ref, spec, secrets, ctx),
      remove: (ref, spec, ctx) =>
        wrap('remove', spec.instanceId, nameOf(spec.database), ctx, () =>
          inner.engine.remove(ref, spec, ctx),
        ),
    },
    unsupportedReason: flavor => inner.unsupportedReason(flavor),
  };
}

/** The runtime's own block: the instrumentation's keys are no runtime setting. */
function withoutInstrumentation(config: Config): Config {
  const { faults, latencyMs, ...block } = config.get() as Record<string, any>;
  return new ConfigReader(block);
}

/**
 * The runtimes of the reliability tests, each a real one instrumented (journal, latency,
 * scripted faults): `test-shared` (a role and schema each on a shared PostgreSQL server, config `url`),
 * `test-local` (the local runtime's servers, config `dataDir`) and `test-docker` (the Docker
 * runtime, config as dbaas.runtimes.docker). Each is offered once its block is configured.
 */
export function reliabilityRuntimesModule(journal: {
  file?: string;
  replica: string;
}) {
  return createBackendModule({
    pluginId: 'dbaas',
    moduleId: 'reliability-runtimes',
    register(reg) {
      reg.registerInit({
        deps: { runtimes: dbaasRuntimesExtensionPoint },
        async init({ runtimes }) {
          runtimes.addRuntime({
            name: 'test-shared',
            create: ({ config }) =>
              instrument(
                // a few connections per replica: a hundred calls at once must not exhaust the server
                sharedPostgresRuntime(config.getString('url'), {
                  schemaPerInstance: true,
                  maxConnections: 3,
                }),
                'test-shared',
                config,
                journal,
              ),
          });
          runtimes.addRuntime({
            name: 'test-local',
            create: ({ config }) =>
              instrument(
                createLocalRuntime({
                  dataDir: config.getString('dataDir'),
                  host: '127.0.0.1',
                }),
                'test-local',
                config,
                journal,
              ),
          });
          runtimes.addRuntime({
            name: 'test-docker',
            create: ({ config }) =>
              instrument(
                createDockerRuntime(
                  readDockerRuntimeConfig(withoutInstrumentation(config)),
                ),
                'test-docker',
                config,
                journal,
              ),
          });
        },
      });
    },
  });
}
