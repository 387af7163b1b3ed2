import type { AutoTopUpEvents } from '../billing/auto-top-up/events.ts';
import { millicreditsToCredits } from '../domain/amounts.ts';
import { announce } from './announce.ts';

/**
 * Auto top-up outcomes as outgoing webhooks, recorded in the transaction that records the outcome and
 * keyed per attempt, so each attempt announces its success or its failure once.
 */
export const autoTopUpWebhooks: Required<AutoTopUpEvents> = {
  autoTopUpSucceeded: announce((event) => ({
    type: 'auto_top_up.succeeded',
    key: `auto_top_up.succeeded:${event.attemptId}`,
    data: {
      attemptId: event.attemptId,
      pack: event.packId,
      credits: millicreditsToCredits(event.credits),
      grantId: event.grantId,
    },
  })),

  autoTopUpFailed: announce((event) => ({
    type: 'auto_top_up.failed',
    key: `auto_top_up.failed:${event.attemptId}`,
    data: {
      attemptId: event.attemptId,
      pack: event.packId,
      error: event.error,
      ...(event.actionUrl ? { actionUrl: event.actionUrl } : {}),
    },
  })),
};
