import { type Static, Type } from '@sinclair/typebox';
import { Credits, Id, Timestamp } from './common.ts';
import { GrantReply } from './ledger.ts';

export const PlanReply = Type.Object({
  id: Type.String(),
  name: Type.String(),
  monthlyPrice: Type.Number({ description: 'In the currency, e.g. 29 for $29.00.' }),
  currency: Type.String(),
  creditsPerPeriod: Credits,
  agents: Type.Integer(),
  rollover: Type.Object({
    kind: Type.Union([Type.Literal('expire'), Type.Literal('rollover')]),
    cap: Type.Optional(Credits),
  }),
  overageLimit: Credits,
});
export type PlanReply = Static<typeof PlanReply>;

export const PackReply = Type.Object({
  id: Type.String(),
  name: Type.String(),
  credits: Credits,
  price: Type.Number(),
  currency: Type.String(),
  validityMonths: Type.Integer(),
});
export type PackReply = Static<typeof PackReply>;

export const CatalogReply = Type.Object({ plans: Type.Array(PlanReply), packs: Type.Array(PackReply) });

export const SubscriptionReply = Type.Object({
  plan: Type.String(),
  pendingPlan: Type.Union([Type.String(), Type.Null()], {
    description: 'A downgrade that starts with the next period.',
  }),
  status: Type.Union([Type.Literal('active'), Type.Literal('past_due')]),
  provider: Type.Union([Type.Literal('manual'), Type.Literal('stripe')]),
  currentPeriod: Type.Object({ start: Timestamp, end: Timestamp }),
  paidThrough: Type.Union([Timestamp, Type.Null()]),
});
export type SubscriptionReply = Static<typeof SubscriptionReply>;

export const PlanRequestBody = Type.Object(
  { plan: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

export const PlanRequestReply = Type.Object({
  checkoutUrl: Type.Optional(
    Type.String({ description: 'Stripe Checkout: send the customer here; the plan changes when the payment arrives.' }),
  ),
  change: Type.Optional(Type.Union([Type.Literal('upgrade'), Type.Literal('downgrade'), Type.Literal('none')])),
  grant: Type.Optional(Type.Union([GrantReply, Type.Null()])),
  subscription: SubscriptionReply,
});

export const PurchaseBody = Type.Object(
  { pack: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

export const OperatorPurchaseBody = Type.Object(
  { pack: Type.String({ minLength: 1, maxLength: 64 }), id: Type.Optional(Id) },
  { additionalProperties: false },
);

export const PurchaseReply = Type.Object({
  checkoutUrl: Type.Optional(Type.String()),
  grant: Type.Optional(GrantReply),
});

export const UpgradeOptionsReply = Type.Object({
  current: PlanReply,
  pendingPlan: Type.Union([PlanReply, Type.Null()]),
  plans: Type.Array(PlanReply, { description: 'The plans above the current one, cheapest first.' }),
  packs: Type.Array(PackReply),
  provider: Type.Union([Type.Literal('stripe'), Type.Literal('manual'), Type.Literal('off')], {
    description:
      'Who takes payments (TALLY_PAYMENTS). With off, POST /v1/subscription and /v1/purchases are 409 payments_not_configured: the workspace asks the operator, at upgradeUrl when set.',
  }),
  upgradeUrl: Type.Union([Type.String(), Type.Null()], {
    description: "The operator's own upgrade page (TALLY_UPGRADE_URL), or null.",
  }),
});
export type UpgradeOptionsReply = Static<typeof UpgradeOptionsReply>;

export const ManualBillingQuery = Type.Object(
  {
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);

export const ManualBillingReply = Type.Object({
  from: Timestamp,
  to: Timestamp,
  purchases: Type.Array(
    Type.Object({
      workspaceId: Type.String(),
      grantId: Type.String(),
      credits: Credits,
      reason: Type.String({
        description: 'Says whether the workspace bought it (to invoice) or the operator recorded it.',
      }),
      at: Timestamp,
    }),
    { description: 'Packs granted without Stripe in [from, to).' },
  ),
  plans: Type.Array(
    Type.Object({
      workspaceId: Type.String(),
      plan: PlanReply,
      currentPeriod: Type.Object({ start: Timestamp, end: Timestamp }),
    }),
    { description: 'Workspaces on a paid plan that no Stripe subscription bills, now.' },
  ),
});

export const AgentBody = Type.Object(
  {
    id: Type.Optional(Id),
    name: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);

export const AgentReply = Type.Object({ id: Type.String(), name: Type.String(), createdAt: Timestamp });
export type AgentReply = Static<typeof AgentReply>;

export const AgentsReply = Type.Object({
  agents: Type.Array(AgentReply),
  used: Type.Integer(),
  allowed: Type.Integer(),
});
