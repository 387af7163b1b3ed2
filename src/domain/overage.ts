import type { Millicredits } from './amounts.ts';

/**
 * A workspace's overage rule is how far below zero its balance may go. Zero (the default) means
 * `block`: a response that cannot be paid for in full is refused and nothing is written.
 */
export function canAfford(available: Millicredits, cost: Millicredits, overageLimit: Millicredits): boolean {
  return available - cost >= -overageLimit;
}
