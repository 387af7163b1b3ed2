/**
 * At most one run per key at a time: callers that arrive while a run is under way share its result.
 * It dedupes within one process only; across processes the stored figures act as the shared cache.
 */
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    const current = this.running.get(key);
    if (current) return current;
    const started = work().finally(() => {
      if (this.running.get(key) === started) this.running.delete(key);
    });
    this.running.set(key, started);
    return started;
  }

  get size(): number {
    return this.running.size;
  }
}
