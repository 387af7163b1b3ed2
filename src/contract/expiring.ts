import { type Static, Type } from '@sinclair/typebox';
import { Credits, Timestamp } from './common.ts';

export const ExpiringCredit = Type.Object({
  grantId: Type.String(),
  source: Type.String({ description: 'subscription, purchase, promotion or adjustment' }),
  reason: Type.String(),
  credits: Credits,
  expiresAt: Timestamp,
});
export type ExpiringCredit = Static<typeof ExpiringCredit>;

export const ExpiringReply = Type.Array(ExpiringCredit, {
  description:
    'Live credits that expire before the current period ends (a plan allocation expiring at the period end included), soonest first.',
});
