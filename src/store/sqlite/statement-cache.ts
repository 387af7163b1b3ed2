import type SQLite from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/**
 * better-sqlite3 as Kysely sees it, with each statement prepared once per SQL text. Kysely's
 * driver prepares every query afresh, and on the charge path preparing cost more than running.
 * Kysely runs one query at a time on the connection and never streams here, so a statement is
 * never reused while it is still iterating. The least recently used statement goes past `size`.
 */
export function cachingStatements(database: SQLite.Database, size = 512): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    prepare(sql) {
      const known = statements.get(sql);
      if (known) {
        statements.delete(sql);
        statements.set(sql, known);
        return known;
      }
      const statement = database.prepare(sql);
      statements.set(sql, statement);
      if (statements.size > size) statements.delete(statements.keys().next().value as string);
      return statement;
    },
    close: () => database.close(),
  };
}
