import type { Millicredits } from '../../domain/amounts.ts';
import type { BillingEventContext } from '../events.ts';

export interface AutoTopUpSucceeded {
  workspaceId: string;
  attemptId: string;
  packId: string;
  credits: Millicredits;
  grantId: string;
}

export interface AutoTopUpFailed {
  workspaceId: string;
  attemptId: string;
  packId: string;
  error: string;
  /** Where the customer completes the purchase when the card needs authentication. */
  actionUrl: string | null;
}

/** What auto top-up tells the rest of Tally, inside the transaction that records the outcome, once per attempt. */
export interface AutoTopUpEvents {
  autoTopUpSucceeded?(event: AutoTopUpSucceeded, context: BillingEventContext): Promise<void>;
  autoTopUpFailed?(event: AutoTopUpFailed, context: BillingEventContext): Promise<void>;
}
