import type { Millicredits } from './amounts.ts';

/** Either a share of what the period granted, or a fixed number of credits. */
export type LowCreditThreshold = { kind: 'share'; share: number } | { kind: 'absolute'; amount: Millicredits };

export const DEFAULT_LOW_CREDIT_THRESHOLD: LowCreditThreshold = { kind: 'share', share: 0.2 };

export function lowCreditLine(threshold: LowCreditThreshold, periodGranted: Millicredits): Millicredits {
  return threshold.kind === 'absolute' ? threshold.amount : Math.floor(periodGranted * threshold.share);
}

/** Low when what is left is at or under the threshold; a workspace with nothing left is always low. */
export function isLow(available: Millicredits, threshold: LowCreditThreshold, periodGranted: Millicredits): boolean {
  return available <= 0 || available <= lowCreditLine(threshold, periodGranted);
}
