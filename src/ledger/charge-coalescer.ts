import { TallyError } from '../domain/errors.ts';
import {
  type ChargeResult,
  chargeBatch,
  chargeResponse,
  type ResponseInput,
  validateResponse,
} from './charge-response.ts';
import type { Context } from './context.ts';

interface Waiting {
  input: ResponseInput;
  resolve: (result: ChargeResult) => void;
  reject: (error: unknown) => void;
}

/** The most charges one transaction takes, as many as one batch request may carry. */
export const MAX_COALESCED = 1000;

/** How many charges may wait in one process when the caller sets no limit (TALLY_CHARGE_QUEUE_LIMIT). */
export const DEFAULT_QUEUE_LIMIT = 10_000;

/**
 * Single charges of one workspace queue for that workspace's account lock whatever we do. So while
 * one transaction of a workspace's charges runs in this process, the charges that arrive for it
 * wait here and then go together in the next transaction: one lock, one read of the grants, one
 * flush and one commit for all of them, instead of one each. Each charge still stands alone, as in
 * a batch: it is priced, paid or refused in arrival order, and a refusal touches nothing of the
 * others. Each caller is answered only after the commit; if the transaction fails, every charge in
 * it fails and none was recorded. A charge that arrives when nothing is running goes at once, alone.
 *
 * At most `queueLimit` charges wait in this process, over all workspaces: past it a charge is
 * refused at once as `unavailable` (503 with Retry-After) before anything is recorded, so its retry
 * with the same id charges it once. Memory and the wait stay bounded when the database falls behind.
 */
export class ChargeCoalescer {
  private readonly waiting = new Map<string, Waiting[]>();
  private readonly running = new Set<string>();
  private queued = 0;
  private readonly ctx: Context;
  private readonly queueLimit: number;

  constructor({ ctx, queueLimit = DEFAULT_QUEUE_LIMIT }: { ctx: Context; queueLimit?: number }) {
    this.ctx = ctx;
    this.queueLimit = queueLimit;
  }

  charge(input: ResponseInput): Promise<ChargeResult> {
    return new Promise((resolve, reject) => {
      // Bad input is refused at once (a throw here rejects), without waiting for anyone's transaction.
      validateResponse(input, this.ctx.clock());
      if (this.queued >= this.queueLimit) {
        throw new TallyError(
          'unavailable',
          'Too many charges are waiting for the database; retry with the same id after Retry-After seconds (a charge is never recorded twice).',
          { queueLimit: this.queueLimit },
        );
      }
      this.queued += 1;
      const queue = this.waiting.get(input.workspaceId);
      if (queue) queue.push({ input, resolve, reject });
      else this.waiting.set(input.workspaceId, [{ input, resolve, reject }]);
      if (!this.running.has(input.workspaceId)) void this.run(input.workspaceId);
    });
  }

  private async run(workspaceId: string): Promise<void> {
    this.running.add(workspaceId);
    try {
      for (let queue = this.waiting.get(workspaceId); queue; queue = this.waiting.get(workspaceId)) {
        const group = queue.splice(0, MAX_COALESCED);
        this.queued -= group.length;
        if (queue.length === 0) this.waiting.delete(workspaceId);
        await this.charged(workspaceId, group);
      }
    } finally {
      this.running.delete(workspaceId);
    }
  }

  private async charged(workspaceId: string, group: Waiting[]): Promise<void> {
    const [lone] = group;
    if (lone && group.length === 1) {
      // Nobody else waited: the plain single charge, exactly as without coalescing.
      await chargeResponse({ ctx: this.ctx, input: lone.input }).then(lone.resolve, lone.reject);
      return;
    }
    try {
      const results = await chargeBatch({
        ctx: this.ctx,
        input: { workspaceId, responses: group.map((waiting) => waiting.input) },
      });
      for (const [i, outcome] of results.entries()) {
        const waiting = group[i];
        if (!waiting) continue;
        if (outcome.ok) waiting.resolve(outcome.result);
        else waiting.reject(outcome.error);
      }
    } catch (error) {
      for (const waiting of group) waiting.reject(error);
    }
  }
}
