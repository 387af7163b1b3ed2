import type { ExpiringCredit } from '../../contract/expiring.ts';
import type { ExpiringCredits } from '../../domain/expiring.ts';
import { iso, toCredits } from '../convert.ts';

export function expiringReply(expiring: ExpiringCredits): ExpiringCredit {
  return {
    grantId: expiring.grantId,
    source: expiring.source,
    reason: expiring.reason,
    credits: toCredits(expiring.remaining),
    expiresAt: iso(expiring.expiresAt),
  };
}
