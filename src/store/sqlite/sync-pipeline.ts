interface Waiters {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function waiters(): Waiters {
  let resolve: () => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Runs one sync at a time and answers each caller with a sync that began after it asked, so what the
 * caller wrote before asking is covered. Callers that ask while a sync runs share the next one.
 *
 * After a failed sync nothing is trusted again: that sync's callers, the ones waiting for the next,
 * and every later caller get its error. Once fsync has failed, Linux may have dropped the dirty pages
 * and a later fsync can succeed without them, so retrying would acknowledge writes that are not on
 * disk (PostgreSQL stops for the same reason). A restart recovers from what the disk really holds.
 */
export class SyncPipeline {
  private next: Waiters | null = null;
  private syncing = false;
  private running: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | null = null;

  constructor(private readonly sync: () => Promise<void>) {}

  /** Settles once a sync begun after this call has finished. */
  synced(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.error);
    this.next ??= waiters();
    const { promise } = this.next;
    if (!this.syncing) {
      this.syncing = true;
      this.running = this.syncWhileAsked();
    }
    return promise;
  }

  /** Waits for the sync in flight and any asked for meanwhile. */
  async idle(): Promise<void> {
    await this.running;
  }

  private async syncWhileAsked(): Promise<void> {
    while (this.next) {
      const covered = this.next;
      this.next = null;
      if (this.failure) {
        covered.reject(this.failure.error);
        continue;
      }
      try {
        await this.sync();
        covered.resolve();
      } catch (error) {
        this.failure = { error };
        covered.reject(error);
      }
    }
    this.syncing = false;
  }
}
