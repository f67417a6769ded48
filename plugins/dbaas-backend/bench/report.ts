import knexFactory from 'knex';
import { SecretBox } from '../src/crypto/SecretBox';
import { InstanceStore } from '../src/store/InstanceStore';
import { SettingsStore } from '../src/store/SettingsStore';
import { InstanceCertificates } from '../src/tls/InstanceCertificates';

/** The goal of the cold-path benchmarks: the managed path at most 5% slower than the raw one. */
export const GOAL = 1.05;

const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const line = (label: string, xs: number[]) =>
  `${label.padEnd(37)}median ${median(xs).toFixed(0)} ms  (${xs
    .map(x => x.toFixed(0))
    .join(', ')})`;

/** Prints both medians and their ratio against the goal. */
export function report(
  raw: { label: string; ms: number[] },
  managed: { label: string; ms: number[] },
) {
  const ratio = median(managed.ms) / median(raw.ms);
  console.log(line(raw.label, raw.ms));
  console.log(line(managed.label, managed.ms));
  console.log(
    `ratio ${ratio.toFixed(2)} (goal <= ${GOAL.toFixed(2)}): ${
      ratio <= GOAL ? 'met' : 'NOT met'
    }`,
  );
}

/** The p-th percentile (nearest rank) of `xs`. */
export function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  ];
}

/** Rows under a header, each column as wide as its widest cell. */
export function printTable(header: string[], rows: string[][]) {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map(r => r[i].length)),
  );
  for (const row of [header, ...rows]) {
    console.log(row.map((cell, i) => cell.padEnd(widths[i])).join('  '));
  }
}

let certificates: Promise<InstanceCertificates> | undefined;

/**
 * The Manager's certificate issuer as the plugin runs it (every instance serves TLS), with its
 * CA made once for the whole run, before anything is timed: a benchmark's create pays for its
 * server certificate as a real one does, not for the CA.
 */
export function benchCertificates(): Promise<InstanceCertificates> {
  certificates ??= (async () => {
    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: ':memory:',
      useNullAsDefault: true,
    });
    await InstanceStore.create(knex); // its migrations make the settings table
    const issuer = new InstanceCertificates({
      settings: new SettingsStore(knex),
      secretBox: new SecretBox('benchmark key, sixteen or more'),
    });
    await issuer.certificateFor(undefined, ['127.0.0.1']);
    return issuer;
  })();
  return certificates;
}

/** Calls the Manager's REST API at `baseUrl` with `auth`; the status and the JSON body. */
export function managerFetch(baseUrl: string, auth: string) {
  return async (method: string, route: string, body?: unknown) => {
    const response = await fetch(`${baseUrl}/api/dbaas${route}`, {
      method,
      headers: {
        authorization: auth,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: (await response.json()) as any };
  };
}
