/** Errors of a write that lost a race with another writer, on every store. */

export function isUniqueViolation(error: unknown) {
  const e = error as { code?: string; message?: string };
  return (
    e.code === '23505' ||
    e.code === 'ER_DUP_ENTRY' ||
    e.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    /UNIQUE constraint failed/.test(e.message ?? '')
  );
}

/** A create that lost a race: the table (or its type) was made by someone else meanwhile. */
export function madeMeanwhile(error: unknown) {
  const e = error as { code?: string };
  return (
    isUniqueViolation(error) ||
    e.code === '42P07' || // PostgreSQL duplicate_table
    e.code === '42710' || // PostgreSQL duplicate_object (the table's row type)
    e.code === 'ER_TABLE_EXISTS_ERROR'
  );
}

/** Another replica holds knex's migration lock: it is migrating the same store right now. */
export function migrationLocked(error: unknown) {
  return (error as { name?: string })?.name === 'MigrationLocked';
}
