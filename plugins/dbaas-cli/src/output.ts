import yaml from 'yaml';

export const OUTPUTS = ['table', 'json', 'yaml'] as const;
export type Output = (typeof OUTPUTS)[number];

/** Prints rows as an aligned table, or the raw value as JSON or YAML. */
export function print<T>(
  output: Output,
  value: T,
  table: () => { columns: string[]; rows: (string | number)[][] },
) {
  if (output === 'json') {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  if (output === 'yaml') {
    process.stdout.write(yaml.stringify(value));
    return;
  }
  const { columns, rows } = table();
  const cells = [columns, ...rows.map(r => r.map(String))];
  const widths = columns.map((_, i) =>
    Math.max(...cells.map(r => r[i]?.length ?? 0)),
  );
  for (const row of cells) {
    process.stdout.write(
      `${row
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd()}\n`,
    );
  }
}
