import type { GrantReply } from '../../contract/ledger.ts';
import type { Grant } from '../../domain/grants.ts';
import { iso, isoOrNull, toCredits } from '../convert.ts';

export function grantReply(grant: Grant): GrantReply {
  return {
    id: grant.id,
    source: grant.source,
    amount: toCredits(grant.amount),
    remaining: toCredits(grant.remaining),
    priority: grant.priority,
    effectiveAt: iso(grant.effectiveAt),
    expiresAt: isoOrNull(grant.expiresAt),
    reason: grant.reason,
  };
}
