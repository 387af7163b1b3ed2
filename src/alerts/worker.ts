import type { Store } from '../store/store.ts';
import { DEFAULT_BATCH_SIZE, type DeliveryOptions, type DeliveryRound, deliverDue } from './delivery.ts';

export interface WorkerOptions extends DeliveryOptions {
  /** How often an idle worker looks for due deliveries. */
  pollMs?: number;
  onError?: (error: unknown) => void;
}

export const DEFAULT_POLL_MS = 2_000;

/**
 * Delivers the outbox in the background: a round every `pollMs`, at once again while rounds come
 * back full. Any number of processes may run one on the same database; claims keep them apart.
 */
export class WebhookWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly store: Store,
    private readonly secretKey: Uint8Array,
    private readonly clock: () => Date,
    private readonly options: WorkerOptions = {},
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops polling and waits for the round in flight, so nothing is left half-recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  deliverDue(now: Date = this.clock()): Promise<DeliveryRound> {
    return deliverDue(this.store, this.secretKey, now, this.options);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick();
    }, delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let full = false;
    try {
      const round = await this.deliverDue();
      full = round.claimed >= (this.options.batchSize ?? DEFAULT_BATCH_SIZE);
    } catch (error) {
      this.options.onError?.(error);
    }
    this.schedule(full ? 0 : (this.options.pollMs ?? DEFAULT_POLL_MS));
  }
}
