// A helper that adds a test of its own to the file that calls it, so it exports from "test code".
/* eslint-disable jest/no-export */
import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';

/** The variable TestDatabases reads a server's connection string from, e.g. for POSTGRES_15. */
export function connectionStringVariable(id: TestDatabaseId) {
  return `BACKSTAGE_TEST_DATABASE_${id.replace('_', '')}_CONNECTION_STRING`;
}

/**
 * The asked-for databases this TestDatabases left out, each with what would bring it back.
 * TestDatabases.create keeps a server database only when its connection string is set or
 * it may start one in Docker (CI set, BACKSTAGE_TEST_DISABLE_DOCKER unset); otherwise
 * eachSupportedId() silently omits it and describe.each runs nothing on it.
 */
export function unavailableDatabases(
  databases: TestDatabases,
  ids: TestDatabaseId[],
): string[] {
  return ids
    .filter(id => !databases.supports(id))
    .map(
      id =>
        `${id} is not available: set ${connectionStringVariable(
          id,
        )} (scripts/test.sh sets it for the local PostgreSQL)`,
    );
}

/**
 * TestDatabases for the given ids that never drops one silently in CI: with CI set, a test
 * of its own fails when any of them is not available, instead of its variants not running.
 */
export function createTestDatabases(ids: TestDatabaseId[]): TestDatabases {
  const databases = TestDatabases.create({ ids });
  if (process.env.CI) {
    it(`runs on every test database it asks for in CI (${ids.join(
      ', ',
    )})`, () => {
      expect(unavailableDatabases(databases, ids)).toEqual([]);
    });
  }
  return databases;
}
