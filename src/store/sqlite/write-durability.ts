/**
 * Who waits for the WAL sync after a write. Commits do not sync (`synchronous = NORMAL`), so a write
 * is on disk only once the WAL has been synced: every use of the store's connection that changed a
 * row is answered after a sync begun once it finished — except the group commit's, which answers its
 * own callers after that sync and meanwhile lets the next group run (it calls `leaveToCaller`).
 */
export class WriteDurability {
  private wrote = false;
  private callerWaits = false;
  private sync: (() => Promise<void>) | null = null;

  /** From now on writes wait for `sync`; before (migrations at open) and without one, nothing waits. */
  attach(sync: () => Promise<void>): void {
    this.sync = sync;
  }

  /** Settles once what was committed before this call is on disk. */
  synced(): Promise<void> {
    return this.sync ? this.sync() : Promise.resolve();
  }

  noteWrite(): void {
    this.wrote = true;
  }

  /** The connection's current holder answers its own callers after `synced()`. */
  leaveToCaller(): void {
    this.callerWaits = true;
  }

  /**
   * Ends one use of the connection (called while it is still held, so the flags are this use's): what
   * it wrote is on disk when the returned promise settles.
   */
  release(): Promise<void> {
    const wait = this.wrote && !this.callerWaits;
    this.wrote = false;
    this.callerWaits = false;
    return wait ? this.synced() : Promise.resolve();
  }
}
