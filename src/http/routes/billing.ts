import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Pack, Plan } from '../../billing/catalog.ts';
import type { BillingContext } from '../../billing/context.ts';
import { listManualBilling } from '../../billing/manual-billing.ts';
import { getUpgradeOptions, requestPack, requestPlan } from '../../billing/plan-requests.ts';
import { renewDue } from '../../billing/renewals.ts';
import type { Subscription } from '../../billing/subscription-rows.ts';
import { getSubscription } from '../../billing/subscriptions.ts';
import {
  CatalogReply,
  ManualBillingQuery,
  ManualBillingReply,
  OperatorPurchaseBody,
  type PackReply,
  type PlanReply,
  PlanRequestBody,
  PlanRequestReply,
  PurchaseBody,
  PurchaseReply,
  SubscriptionReply,
  UpgradeOptionsReply,
} from '../../contract/billing.ts';
import { requireAnyKey, requireOperator, requireScope, workspaceOf } from '../auth.ts';
import { iso, isoOrNull, parseTime, toCredits } from '../convert.ts';
import { serviceErrors } from '../openapi.ts';
import type { App } from '../server.ts';
import { grantReply } from './replies.ts';

const WorkspaceParams = Type.Object({ id: Type.String({ maxLength: 128 }) });
const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$',
      description: 'Makes the request safe to retry: the same key returns the first result.',
    }),
  ),
});

export const planReply = (plan: Plan): PlanReply => ({
  id: plan.id,
  name: plan.name,
  monthlyPrice: plan.monthlyPrice,
  currency: plan.currency,
  creditsPerPeriod: toCredits(plan.creditsPerPeriod),
  agents: plan.agents,
  rollover: plan.rollover.kind === 'rollover' ? { kind: 'rollover', cap: toCredits(plan.rollover.cap) } : plan.rollover,
  overageLimit: toCredits(plan.overageLimit),
});

export const packReply = (pack: Pack): PackReply => ({
  id: pack.id,
  name: pack.name,
  credits: toCredits(pack.credits),
  price: pack.price,
  currency: pack.currency,
  validityMonths: pack.validityMonths,
});

const subscriptionReply = (subscription: Subscription) => ({
  plan: subscription.plan,
  pendingPlan: subscription.pendingPlan,
  status: subscription.status,
  provider: subscription.provider,
  currentPeriod: { start: iso(subscription.currentPeriod.start), end: iso(subscription.currentPeriod.end) },
  paidThrough: isoOrNull(subscription.paidThrough),
});

/**
 * Plans, the subscription, packs, the upgrade page's options and the operator's list of what to
 * invoice. `publicUrl` is where Checkout returns to; `upgradeUrl` the operator's own upgrade page.
 */
export function billingRoutes(ctx: BillingContext, urls: { publicUrl: string | null; upgradeUrl: string | null }) {
  const { publicUrl, upgradeUrl } = urls;
  const requester = (request: FastifyRequest, asOperator: boolean, idempotencyKey?: string) => ({
    asOperator,
    returnUrl: `${publicUrl ?? `${request.protocol}://${request.host}`}/upgrade`,
    ...(idempotencyKey ? { idempotencyKey } : {}),
  });

  const changePlan = async (workspaceId: string, planId: string, request: FastifyRequest, asOperator: boolean) => {
    const result = await requestPlan({
      ctx,
      input: { workspaceId, planId, requester: requester(request, asOperator) },
    });
    if (result.kind === 'checkout') {
      return { checkoutUrl: result.checkoutUrl, subscription: subscriptionReply(result.subscription) };
    }
    return {
      change: result.change,
      grant: result.grant ? grantReply(result.grant) : null,
      subscription: subscriptionReply(result.subscription),
    };
  };

  return (app: App) => {
    app.get(
      '/v1/plans',
      {
        preHandler: requireAnyKey,
        schema: {
          operationId: 'listPlans',
          summary: 'The plan catalog: plans and pay-as-you-go packs',
          tags: ['billing'],
          response: { 200: CatalogReply },
        },
      },
      async () => ({
        plans: ctx.catalog.plans.map(planReply),
        packs: ctx.catalog.packs.map(packReply),
      }),
    );

    app.get(
      '/v1/subscription',
      {
        preHandler: requireScope('read'),
        schema: {
          operationId: 'getSubscription',
          summary: "The workspace's plan, its current period and any downgrade waiting for the next one",
          tags: ['billing'],
          response: { 200: SubscriptionReply },
        },
      },
      async (request) =>
        subscriptionReply(await getSubscription({ ctx, input: { workspaceId: workspaceOf(request) } })),
    );

    app.post(
      '/v1/subscription',
      {
        preHandler: requireScope('admin'),
        schema: {
          operationId: 'changePlan',
          summary: 'Change plan',
          description:
            'An upgrade returns a Stripe Checkout URL (the plan changes when the payment arrives) or, with TALLY_PAYMENTS=manual, applies at once and returns the grant of the difference in credits for the rest of the period. A downgrade takes effect at the next period. Asking for the current plan cancels a pending downgrade. With TALLY_PAYMENTS=off it is 409 payments_not_configured and changes nothing: the operator changes plans (POST /v1/workspaces/{id}/subscription).',
          tags: ['billing'],
          body: PlanRequestBody,
          response: { 200: PlanRequestReply, ...serviceErrors(409, 502) },
        },
      },
      async (request) => changePlan(workspaceOf(request), request.body.plan, request, false),
    );

    app.post(
      '/v1/purchases',
      {
        preHandler: requireScope('admin'),
        schema: {
          operationId: 'purchasePack',
          summary: 'Buy a credit pack',
          description:
            'Returns a Stripe Checkout URL (credits are granted when the payment arrives) or, with TALLY_PAYMENTS=manual, the grant, listed for the operator to invoice. Idempotent by the Idempotency-Key header. With TALLY_PAYMENTS=off it is 409 payments_not_configured and changes nothing: the operator grants packs (POST /v1/workspaces/{id}/purchases).',
          tags: ['billing'],
          headers: IdempotencyHeaders,
          body: PurchaseBody,
          response: { 200: PurchaseReply, 201: PurchaseReply, ...serviceErrors(409, 502) },
        },
      },
      async (request, reply) => {
        const result = await requestPack({
          ctx,
          input: {
            workspaceId: workspaceOf(request),
            packId: request.body.pack,
            requester: requester(request, false, request.headers['idempotency-key']),
          },
        });
        if (result.kind === 'checkout') return reply.code(200).send({ checkoutUrl: result.checkoutUrl });
        return reply.code(201).send({ grant: grantReply(result.grant) });
      },
    );

    app.get(
      '/v1/upgrade-options',
      {
        preHandler: requireScope('read'),
        schema: {
          operationId: 'getUpgradeOptions',
          summary: "What the dashboard's upgrade page offers: the plans above the current one, and the packs",
          description: 'Start a checkout with POST /v1/subscription {plan} or POST /v1/purchases {pack}.',
          tags: ['billing'],
          response: { 200: UpgradeOptionsReply },
        },
      },
      async (request) => {
        const options = await getUpgradeOptions({ ctx, input: { workspaceId: workspaceOf(request) } });
        return {
          current: planReply(options.current),
          pendingPlan: options.pendingPlan ? planReply(options.pendingPlan) : null,
          plans: options.plans.map(planReply),
          packs: options.packs.map(packReply),
          provider: options.provider,
          upgradeUrl,
        };
      },
    );

    app.get(
      '/v1/workspaces/:id/subscription',
      {
        preHandler: requireOperator,
        schema: {
          operationId: 'getWorkspaceSubscription',
          summary: "A workspace's subscription",
          tags: ['operator'],
          params: WorkspaceParams,
          response: { 200: SubscriptionReply },
        },
      },
      async (request) => subscriptionReply(await getSubscription({ ctx, input: { workspaceId: request.params.id } })),
    );

    app.post(
      '/v1/workspaces/:id/subscription',
      {
        preHandler: requireOperator,
        schema: {
          operationId: 'changeWorkspacePlan',
          summary: "Change a workspace's plan by hand",
          description:
            'Applies without a payment: an upgrade at once (with its top-up grant), a downgrade at the next period.',
          tags: ['operator'],
          params: WorkspaceParams,
          body: PlanRequestBody,
          response: { 200: PlanRequestReply, ...serviceErrors(502) },
        },
      },
      async (request) => changePlan(request.params.id, request.body.plan, request, true),
    );

    app.post(
      '/v1/workspaces/:id/purchases',
      {
        preHandler: requireOperator,
        schema: {
          operationId: 'recordWorkspacePurchase',
          summary: 'Record a pack bought outside Stripe and grant it',
          description: 'Idempotent by id: the same id grants once.',
          tags: ['operator'],
          params: WorkspaceParams,
          body: OperatorPurchaseBody,
          response: { 201: PurchaseReply, ...serviceErrors(409) },
        },
      },
      async (request, reply) => {
        const result = await requestPack({
          ctx,
          input: {
            workspaceId: request.params.id,
            packId: request.body.pack,
            requester: requester(request, true, request.body.id),
          },
        });
        if (result.kind === 'checkout') throw new Error('an operator purchase never goes through checkout');
        return reply.code(201).send({ grant: grantReply(result.grant) });
      },
    );

    app.get(
      '/v1/billing/manual',
      {
        preHandler: requireOperator,
        schema: {
          operationId: 'listManualBilling',
          summary: 'What Tally granted without a payment, for the operator to invoice',
          description:
            'The packs granted without Stripe in [from, to) (default: the 31 days before now), each saying whether the workspace bought it or the operator recorded it, and the workspaces now on a paid plan that no Stripe subscription bills.',
          tags: ['operator'],
          querystring: ManualBillingQuery,
          response: { 200: ManualBillingReply },
        },
      },
      async (request) => {
        const to = parseTime(request.query.to, 'to') ?? new Date();
        const from = parseTime(request.query.from, 'from') ?? new Date(to.getTime() - 31 * 24 * 3600_000);
        const listed = await listManualBilling({ ctx, input: { from, to } });
        return {
          from: iso(from),
          to: iso(to),
          purchases: listed.purchases.map((purchase) => ({
            workspaceId: purchase.workspaceId,
            grantId: purchase.grantId,
            credits: toCredits(purchase.credits),
            reason: purchase.reason,
            at: iso(purchase.at),
          })),
          plans: listed.plans.map((row) => ({
            workspaceId: row.workspaceId,
            plan: planReply(row.plan),
            currentPeriod: { start: iso(row.currentPeriod.start), end: iso(row.currentPeriod.end) },
          })),
        };
      },
    );

    app.post(
      '/v1/billing/renewals',
      {
        preHandler: requireOperator,
        schema: {
          operationId: 'runRenewals',
          summary: 'Grant every subscription period that has started now',
          description: 'Tally does this every minute by itself; this runs it at once.',
          tags: ['operator'],
          response: {
            200: Type.Object({
              renewed: Type.Integer(),
              awaitingPayment: Type.Integer(),
              adopted: Type.Integer(),
            }),
          },
        },
      },
      async () => renewDue({ ctx }),
    );
  };
}
