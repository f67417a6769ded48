import { InputError } from '@backstage/errors';
import { Engine } from '@dbaas/plugin-dbaas-common';
import { AdminTarget } from './engineObjects';

/** A server parameter owners may set, its bounds, and what makes it take effect. */
interface ParameterRule {
  min: number;
  max: number;
  unit: string;
  /** Whole numbers only. */
  integer: boolean;
  /** `restart`: the server reads it only at start. */
  applies: 'reload' | 'restart';
  /** How the value is written in the engine's SQL (e.g. with its unit). */
  sql?: (value: number) => string;
}

const int = (
  min: number,
  max: number,
  unit: string,
  applies: ParameterRule['applies'] = 'reload',
  sql?: ParameterRule['sql'],
): ParameterRule => ({ min, max, unit, integer: true, applies, sql });

/** The allow-list: what each engine lets owners change. */
export const PARAMETERS: Record<Engine, Record<string, ParameterRule>> = {
  postgresql: {
    max_connections: int(10, 2000, 'connections', 'restart'),
    work_mem: int(1, 2048, 'MB', 'reload', v => `'${v}MB'`),
    log_min_duration_statement: int(-1, 3_600_000, 'ms'),
    statement_timeout: int(0, 86_400_000, 'ms'),
    idle_in_transaction_session_timeout: int(0, 86_400_000, 'ms'),
  },
  mariadb: {
    max_connections: int(10, 5000, 'connections'),
    max_allowed_packet: int(1024, 1_073_741_824, 'bytes'),
    long_query_time: {
      min: 0,
      max: 3600,
      unit: 's',
      integer: false,
      applies: 'reload',
    },
    wait_timeout: int(1, 31_536_000, 's'),
  },
  mysql: {},
};
PARAMETERS.mysql = PARAMETERS.mariadb;

/**
 * The instance's parameters after a PATCH: each name from the engine's allow-list, each value
 * within its bounds (400 naming the parameter and its range); null drops a setting.
 */
export function mergeParameters(
  engine: Engine,
  current: Record<string, number>,
  patch: Record<string, number | null>,
): Record<string, number> {
  const rules = PARAMETERS[engine];
  const next = { ...current };
  for (const [name, value] of Object.entries(patch)) {
    const rule = rules[name];
    if (!rule) {
      throw new InputError(
        `parameters.${name}: not a parameter owners may set on ${engine}; allowed: ${Object.keys(
          rules,
        ).join(', ')}`,
      );
    }
    if (value === null) {
      delete next[name];
      continue;
    }
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      (rule.integer && !Number.isInteger(value)) ||
      value < rule.min ||
      value > rule.max
    ) {
      throw new InputError(
        `parameters.${name}: must be a ${
          rule.integer ? 'whole ' : ''
        }number from ${rule.min} to ${rule.max} (${rule.unit}); got ${value}`,
      );
    }
    next[name] = value;
  }
  return next;
}

/** Whether going from `before` to `after` needs the server restarted. */
export function needsRestart(
  engine: Engine,
  before: Record<string, number>,
  after: Record<string, number>,
) {
  return Object.keys(PARAMETERS[engine]).some(
    name =>
      PARAMETERS[engine][name].applies === 'restart' &&
      before[name] !== after[name],
  );
}

/**
 * PostgreSQL's memory settings for the flavor (as its image and the local runtime set them at
 * initdb): set anew when the flavor changes, before the restart that reads them.
 */
export function postgresTuning(memoryMiB: number): Record<string, string> {
  return {
    shared_buffers: `'${Math.max(32, Math.floor(memoryMiB / 4))}MB'`,
    effective_cache_size: `'${Math.max(64, Math.floor((memoryMiB * 3) / 4))}MB'`,
    maintenance_work_mem: `'${Math.max(16, Math.floor(memoryMiB / 16))}MB'`,
    work_mem: `'${Math.max(4, Math.floor(memoryMiB / 64))}MB'`,
  };
}

/**
 * Sets the parameters on the running server, and returns the ones it left out (dropped from
 * `wanted`) to their defaults. PostgreSQL keeps them in postgresql.auto.conf and reloads;
 * MariaDB's SET GLOBAL lasts until the server stops, so the Manager sets them again after
 * each start.
 */
export async function applyParameters(
  t: AdminTarget,
  wanted: Record<string, number>,
  dropped: string[] = [],
) {
  const engine = t.spec.flavor.engine;
  const rules = PARAMETERS[engine];
  const run = (sql: string) => t.admin.query(t.host, t.spec, t.secrets, sql);
  if (engine === 'postgresql') {
    for (const [name, value] of Object.entries(wanted)) {
      await run(
        `ALTER SYSTEM SET ${name} = ${rules[name].sql?.(value) ?? value}`,
      );
    }
    for (const name of dropped) await run(`ALTER SYSTEM RESET ${name}`);
    await run('SELECT pg_reload_conf()');
    return;
  }
  for (const [name, value] of Object.entries(wanted)) {
    await run(`SET GLOBAL ${name} = ${value}`);
  }
  for (const name of dropped) await run(`SET GLOBAL ${name} = DEFAULT`);
}
