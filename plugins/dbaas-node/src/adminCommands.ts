import { SECRETS_DIR } from './imageContract';
import { AdminRow } from './runtime';

const FIELD = '\u001f';
const RECORD = '\u001e';

/*
 * The engine clients the images carry, run as the administrator over the local socket with the
 * password from the secret file the container or pod holds (never on a command line), reading
 * the statement from `file` ('-' for standard input), and parsers for what they print: for
 * runtimes that reach a server by running commands next to it (Docker exec, a pod's exec).
 */

/** Shell that puts the container's admin password in the client's variable, never in argv. */
const passwordFromFile = (variable: string) =>
  `${variable}="$(cat ${SECRETS_DIR}/admin-password)"; export ${variable}`;

export function psqlCommand(file: string, database: string): string[] {
  return [
    'sh',
    '-c',
    `${passwordFromFile('PGPASSWORD')}; exec "$@"`,
    'sh',
    'psql',
    '-X',
    '-q',
    '-A',
    '-t',
    '-v',
    'ON_ERROR_STOP=1',
    '-F',
    FIELD,
    '-R',
    RECORD,
    '-P',
    'null=\\N',
    '-h',
    '/run/postgresql',
    '-U',
    'postgres',
    '-d',
    database,
    '-f',
    file,
  ];
}

export function mariadbCommand(file: string, database: string): string[] {
  return [
    'sh',
    '-c',
    file === '-'
      ? `${passwordFromFile('MYSQL_PWD')}; exec "$@"`
      : `${passwordFromFile('MYSQL_PWD')}; exec "$@" < "$0"`,
    file,
    'mariadb',
    '--socket=/run/mysqld/mysqld.sock',
    '--user=root',
    '--batch',
    '--skip-column-names',
    `--database=${database}`,
  ];
}

/** psql's unaligned output with our separators; `\N` stands for NULL. */
export function parsePsqlRows(stdout: string): AdminRow[] {
  const text = stdout.replace(/\n$/, '');
  if (!text) return [];
  return text
    .split(RECORD)
    .map(record => record.replace(/^\n/, ''))
    .filter(record => record !== '')
    .map(record =>
      record.split(FIELD).map(value => (value === '\\N' ? null : value)),
    );
}

const UNESCAPED: Record<string, string> = { n: '\n', t: '\t', '0': '\0' };

/** mariadb --batch output: tab-separated with backslash escapes, NULL as `NULL`. */
export function parseMariadbRows(stdout: string): AdminRow[] {
  return stdout
    .split('\n')
    .filter(line => line !== '')
    .map(line =>
      line
        .split('\t')
        .map(value =>
          value === 'NULL'
            ? null
            : value.replace(/\\(.)/g, (_, c: string) => UNESCAPED[c] ?? c),
        ),
    );
}

/**
 * The server's message from the client's standard error, without the statement: psql's
 * `LINE n:` context and caret lines are left out, MariaDB's `near '…'` quote is cut, and any
 * string literal of the statement (a password) that is still quoted is masked.
 */
export function serverMessage(stderr: string, sql: string): string {
  const literals = [...sql.matchAll(/'((?:[^']|'')+)'/g)]
    .map(m => m[1].replace(/''/g, "'"))
    .filter(literal => literal.length >= 4)
    .sort((a, b) => b.length - a.length);
  const lines = stderr
    .split('\n')
    .map(line => line.trim())
    .filter(line => line && !/^LINE \d+:/.test(line) && !/^\^$/.test(line))
    .map(line =>
      line
        .replace(/^psql:[^:]*:\d+: /, '')
        .replace(/ near '[\s\S]*' at line (\d+)/, ' (near line $1)'),
    )
    .map(line =>
      literals.reduce((text, literal) => text.split(literal).join('***'), line),
    );
  return lines.slice(-2).join(' | ') || 'no message';
}
