import type { AlertsContext } from './context.ts';
import { DEFAULT_BATCH_SIZE, type DeliveryOptions, deliverDue } from './delivery.ts';

export interface PollingOptions {
  /** How often an idle worker looks for due work. */
  pollMs?: number;
  /** What a round claims at most: a round that claims as much runs again at once. */
  batchSize?: number;
  onError?: (error: unknown) => void;
}

export interface WorkerOptions extends DeliveryOptions, PollingOptions {}

/** An outbox worker's loop: one round of its queue, reading the time from its own context, and how it polls. */
export interface OutboxLoop extends PollingOptions {
  round: () => Promise<{ claimed: number }>;
}

export const DEFAULT_POLL_MS = 2_000;

/**
 * Works through an outbox in the background: a round every `pollMs`, at once again while rounds come
 * back full. Any number of processes may run one on the same database; claims keep them apart.
 */
export class OutboxWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(private readonly loop: OutboxLoop) {}

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
      const round = await this.loop.round();
      full = round.claimed >= (this.loop.batchSize ?? DEFAULT_BATCH_SIZE);
    } catch (error) {
      this.loop.onError?.(error);
    }
    this.schedule(full ? 0 : (this.loop.pollMs ?? DEFAULT_POLL_MS));
  }
}

/** Delivers the webhook outbox in the background. */
export class WebhookWorker extends OutboxWorker {
  constructor({ ctx, ...options }: WorkerOptions & { ctx: AlertsContext }) {
    super({ ...options, round: () => deliverDue({ ctx, input: options }) });
  }
}
