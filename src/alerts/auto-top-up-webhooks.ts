import type { AutoTopUpEvents } from '../billing/auto-top-up/events.ts';
import { millicreditsToCredits } from '../domain/amounts.ts';
import { recordEvent } from './events.ts';

/**
 * Auto top-up outcomes as outgoing webhooks, recorded in the transaction that records the outcome and
 * keyed per attempt, so each attempt announces its success or its failure once.
 */
export const autoTopUpWebhooks: Required<AutoTopUpEvents> = {
  async autoTopUpSucceeded(event, { trx, at }) {
    await recordEvent({
      ctx: { db: trx, now: at },
      input: {
        workspaceId: event.workspaceId,
        type: 'auto_top_up.succeeded',
        data: {
          attemptId: event.attemptId,
          pack: event.packId,
          credits: millicreditsToCredits(event.credits),
          grantId: event.grantId,
        },
        key: `auto_top_up.succeeded:${event.attemptId}`,
      },
    });
  },

  async autoTopUpFailed(event, { trx, at }) {
    await recordEvent({
      ctx: { db: trx, now: at },
      input: {
        workspaceId: event.workspaceId,
        type: 'auto_top_up.failed',
        data: {
          attemptId: event.attemptId,
          pack: event.packId,
          error: event.error,
          ...(event.actionUrl ? { actionUrl: event.actionUrl } : {}),
        },
        key: `auto_top_up.failed:${event.attemptId}`,
      },
    });
  },
};
