import { Engine } from '@dbaas/plugin-dbaas-common';

/** A server parameter owners may set, as the Manager's allow-list has it. */
export interface ParameterRule {
  name: string;
  min: number;
  max: number;
  unit: string;
  /** Whole numbers only. */
  integer: boolean;
  /** Setting it restarts the server (PostgreSQL reads it only at start). */
  restart?: boolean;
}

const MARIADB: ParameterRule[] = [
  {
    name: 'max_connections',
    min: 10,
    max: 5000,
    unit: 'connections',
    integer: true,
  },
  {
    name: 'max_allowed_packet',
    min: 1024,
    max: 1_073_741_824,
    unit: 'bytes',
    integer: true,
  },
  { name: 'long_query_time', min: 0, max: 3600, unit: 's', integer: false },
  { name: 'wait_timeout', min: 1, max: 31_536_000, unit: 's', integer: true },
];

/**
 * The parameters each engine lets owners set, with their units and bounds (the Manager checks
 * them again and names the one at fault).
 */
export const PARAMETER_RULES: Record<Engine, ParameterRule[]> = {
  postgresql: [
    {
      name: 'max_connections',
      min: 10,
      max: 2000,
      unit: 'connections',
      integer: true,
      restart: true,
    },
    { name: 'work_mem', min: 1, max: 2048, unit: 'MB', integer: true },
    {
      name: 'log_min_duration_statement',
      min: -1,
      max: 3_600_000,
      unit: 'ms',
      integer: true,
    },
    {
      name: 'statement_timeout',
      min: 0,
      max: 86_400_000,
      unit: 'ms',
      integer: true,
    },
    {
      name: 'idle_in_transaction_session_timeout',
      min: 0,
      max: 86_400_000,
      unit: 'ms',
      integer: true,
    },
  ],
  mariadb: MARIADB,
  mysql: MARIADB,
};

/** Why a typed value does not fit the rule; empty is fine (the default). */
export function parameterProblem(
  rule: ParameterRule,
  value: string,
): string | undefined {
  if (!value.trim()) return undefined;
  const n = Number(value);
  if (
    !Number.isFinite(n) ||
    (rule.integer && !Number.isInteger(n)) ||
    n < rule.min ||
    n > rule.max
  ) {
    return `A ${rule.integer ? 'whole ' : ''}number from ${rule.min} to ${
      rule.max
    }`;
  }
  return undefined;
}

/**
 * The PATCH's `parameters`: what changed from `current` — a typed value as a number, an emptied
 * one as null (back to the default). Empty when nothing changed.
 */
export function parametersPatch(
  current: Record<string, number>,
  typed: Record<string, string>,
): Record<string, number | null> {
  const patch: Record<string, number | null> = {};
  for (const [name, value] of Object.entries(typed)) {
    if (!value.trim()) {
      if (current[name] !== undefined) patch[name] = null;
    } else if (Number(value) !== current[name]) {
      patch[name] = Number(value);
    }
  }
  return patch;
}

/** "50 connections", "8 MB". */
export function formatParameter(
  engine: Engine,
  name: string,
  value: number,
): string {
  const unit = PARAMETER_RULES[engine]?.find(r => r.name === name)?.unit;
  return unit ? `${value} ${unit}` : String(value);
}
