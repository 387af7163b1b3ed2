import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * A handle on the database's `-wal` file whose `sync` is an fdatasync run on libuv's thread pool, so
 * the event loop keeps turning while the disk syncs. SQLite keeps the same file (one inode) for as
 * long as a connection is open: a WAL restart writes it again from the start, it does not replace it.
 */
export class WalFile {
  private constructor(private readonly handle: FileHandle) {}

  /**
   * Opens the WAL, which must exist, and syncs its folder once: SQLite syncs a new WAL's directory
   * entry on the WAL's first sync, and with `synchronous = NORMAL` that comes only at a checkpoint.
   */
  static async open(databaseFile: string): Promise<WalFile> {
    const handle = await open(`${databaseFile}-wal`, 'r+');
    if (process.platform !== 'win32') {
      const folder = await open(dirname(databaseFile), 'r');
      try {
        await folder.sync();
      } finally {
        await folder.close();
      }
    }
    return new WalFile(handle);
  }

  sync(): Promise<void> {
    return this.handle.datasync();
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
