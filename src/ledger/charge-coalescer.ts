import type { Store } from '../store/store.ts';
import {
  type ChargeResult,
  chargeBatch,
  chargeResponse,
  type ResponseInput,
  validateResponse,
} from './charge-response.ts';
import type { Clock } from './ledger.ts';

interface Waiting {
  input: ResponseInput;
  resolve: (result: ChargeResult) => void;
  reject: (error: unknown) => void;
}

/** The most charges one transaction takes, as many as one batch request may carry. */
export const MAX_COALESCED = 1000;

/**
 * Single charges of one workspace queue for that workspace's account lock whatever we do. So while
 * one transaction of a workspace's charges runs in this process, the charges that arrive for it
 * wait here and then go together in the next transaction: one lock, one read of the grants, one
 * flush and one commit for all of them, instead of one each. Each charge still stands alone, as in
 * a batch: it is priced, paid or refused in arrival order, and a refusal touches nothing of the
 * others. Each caller is answered only after the commit; if the transaction fails, every charge in
 * it fails and none was recorded. A charge that arrives when nothing is running goes at once, alone.
 */
export class ChargeCoalescer {
  private readonly waiting = new Map<string, Waiting[]>();
  private readonly running = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  charge(input: ResponseInput): Promise<ChargeResult> {
    return new Promise((resolve, reject) => {
      // Bad input is refused at once (a throw here rejects), without waiting for anyone's transaction.
      validateResponse(input, this.clock());
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
      await chargeResponse(this.store, lone.input, this.clock()).then(lone.resolve, lone.reject);
      return;
    }
    try {
      const results = await chargeBatch(
        this.store,
        workspaceId,
        group.map((waiting) => waiting.input),
        this.clock(),
      );
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
