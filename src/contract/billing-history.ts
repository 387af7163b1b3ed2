import { type Static, Type } from '@sinclair/typebox';
import { Credits, Timestamp } from './common.ts';

export const HistoryEntryReply = Type.Object({
  id: Type.String({ description: 'Unique within the history: the grant or payment it comes from.' }),
  at: Timestamp,
  kind: Type.Union(
    [
      Type.Literal('renewal'),
      Type.Literal('plan_change'),
      Type.Literal('purchase'),
      Type.Literal('top_up'),
      Type.Literal('payment'),
    ],
    {
      description:
        'renewal, plan_change, purchase and top_up (a pack bought by auto top-up) grant credits; payment is money Stripe took, with its invoice or receipt. More kinds may be added: show an unknown one by its description.',
    },
  ),
  description: Type.String(),
  credits: Credits,
  amount: Type.Union([
    Type.Object({
      value: Type.Number({ description: 'In the currency’s major unit: 29 for $29.00.' }),
      currency: Type.String({ description: 'ISO 4217, lower case.' }),
    }),
    Type.Null(),
  ]),
  documentUrl: Type.Union([Type.String({ format: 'uri' }), Type.Null()], {
    description: "Stripe's receipt or invoice, where there is one.",
  }),
});
export type HistoryEntryReply = Static<typeof HistoryEntryReply>;

export const BillingHistoryReply = Type.Object({ items: Type.Array(HistoryEntryReply) });
export type BillingHistoryReply = Static<typeof BillingHistoryReply>;
