import { TestDatabases } from '@backstage/backend-test-utils';
import {
  connectionStringVariable,
  unavailableDatabases,
} from './testDatabases';

/** Runs `fn` with these environment variables (undefined: unset), then restores them. */
function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const saved = Object.fromEntries(
    Object.keys(vars).map(k => [k, process.env[k]]),
  );
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(vars);
  try {
    return fn();
  } finally {
    apply(saved);
  }
}

const variable = connectionStringVariable('POSTGRES_15');

describe('the guard against a silently dropped PostgreSQL variant', () => {
  // created at collection time, as a test file does (TestDatabases registers its own afterAll)
  const dropped = withEnv(
    { CI: 'true', BACKSTAGE_TEST_DISABLE_DOCKER: '1', [variable]: undefined },
    () => TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] }),
  );
  const kept = withEnv(
    {
      CI: 'true',
      BACKSTAGE_TEST_DISABLE_DOCKER: '1',
      [variable]: 'postgresql://postgres@127.0.0.1:5432',
    },
    () => TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] }),
  );

  it('names the variable TestDatabases reads', () => {
    expect(variable).toBe(
      'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING',
    );
  });

  it('catches TestDatabases leaving PostgreSQL out of eachSupportedId()', () => {
    // what describe.each would run on: SQLite only, and no test says so
    expect(dropped.eachSupportedId()).toEqual([['SQLITE_3']]);
    expect(unavailableDatabases(dropped, ['POSTGRES_15', 'SQLITE_3'])).toEqual([
      'POSTGRES_15 is not available: set BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING (scripts/test.sh sets it for the local PostgreSQL)',
    ]);
  });

  it('passes when the connection string is set', () => {
    expect(kept.eachSupportedId()).toEqual([['POSTGRES_15'], ['SQLITE_3']]);
    expect(unavailableDatabases(kept, ['POSTGRES_15', 'SQLITE_3'])).toEqual([]);
  });
});
