import {
  CompiledQuery,
  type DatabaseConnection,
  type QueryResult,
  type SqliteDatabase,
  SqliteDialect,
  SqliteDriver,
} from 'kysely';
import type { WriteDurability } from './write-durability.ts';

/**
 * BEGIN IMMEDIATE takes SQLite's write lock when the transaction starts. With a plain BEGIN, two
 * connections that both read and then write would deadlock and one would fail with SQLITE_BUSY;
 * this way the second waits (busy_timeout) and then runs against the committed state.
 *
 * It also answers a use of the connection that changed rows only once the WAL holding them is
 * synced (WriteDurability), so a write outside the ledger — a key, a user, a setting — is as durable
 * when acknowledged as a charge.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  constructor(
    database: SqliteDatabase,
    private readonly durability: WriteDurability,
  ) {
    super({ database });
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    const durability = this.durability;
    return {
      async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
        const result = await connection.executeQuery<R>(query);
        if ((result.numAffectedRows ?? 0n) > 0n) durability.noteWrite();
        return result;
      },
      streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
    };
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  override async releaseConnection(): Promise<void> {
    const durable = this.durability.release();
    await super.releaseConnection();
    await durable;
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  constructor(
    private readonly database: SqliteDatabase,
    private readonly durability: WriteDurability,
  ) {
    super({ database });
  }

  override createDriver(): SqliteDriver {
    return new ImmediateSqliteDriver(this.database, this.durability);
  }
}
