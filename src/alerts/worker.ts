import type { Clock } from '../domain/clock.ts';
import type { Store } from '../store/store.ts';
import { DEFAULT_BATCH_SIZE, type DeliveryOptions, deliverDue } from './delivery.ts';

export interface PollingOptions {
  /** How often an idle worker looks for due work. */
  pollMs?: number;
  /** What a round claims at most: a round that claims as much runs again at once. */
  batchSize?: number;
  onError?: (error: unknown) => void;
}

export interface WorkerOptions extends DeliveryOptions, PollingOptions {}

export const DEFAULT_POLL_MS = 2_000;

/**
 * Works through an outbox in the background: a round every `pollMs`, at once again while rounds come
 * back full. Any number of processes may run one on the same database; claims keep them apart.
 */
export class OutboxWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly round: (now: Date) => Promise<{ claimed: number }>,
    private readonly clock: Clock,
    private readonly options: PollingOptions = {},
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
      const round = await this.round(this.clock());
      full = round.claimed >= (this.options.batchSize ?? DEFAULT_BATCH_SIZE);
    } catch (error) {
      this.options.onError?.(error);
    }
    this.schedule(full ? 0 : (this.options.pollMs ?? DEFAULT_POLL_MS));
  }
}

/** Delivers the webhook outbox in the background. */
export class WebhookWorker extends OutboxWorker {
  constructor(store: Store, secretKey: Uint8Array, clock: Clock, options: WorkerOptions = {}) {
    super((now) => deliverDue(store, secretKey, now, options), clock, options);
  }
}
