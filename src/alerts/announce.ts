import type { BillingEventContext } from '../billing/events.ts';
import { type NewEvent, recordEvent } from './events.ts';

/**
 * A billing event handler that puts `describe(event)` in the outbox, in the transaction billing
 * hands it: the webhook event commits exactly when the change it reports does.
 */
export function announce<E extends { workspaceId: string }>(
  describe: (event: E) => Omit<NewEvent, 'workspaceId'>,
): (event: E, context: BillingEventContext) => Promise<void> {
  return async (event, { trx, at }) => {
    await recordEvent({ ctx: { db: trx, now: at }, input: { workspaceId: event.workspaceId, ...describe(event) } });
  };
}
