import { useCheckout, useUpgradeOptions } from '../api/billing.ts';
import { ApiError } from '../api/client.ts';
import { useBalance, useCanChange } from '../api/queries.ts';
import type { CheckoutReply, PackReply, PlanReply } from '../api/types.ts';
import { AlertLevelsCard } from '../components/alert-levels-card.tsx';
import { AutoTopUpCard } from '../components/auto-top-up-card.tsx';
import { BillingHistoryCard } from '../components/billing-history.tsx';
import { Card, CardError, CardLoading } from '../components/card.tsx';
import { EmailNoticesCard } from '../components/email-notices-card.tsx';
import { SpendLimitsCard } from '../components/spend-limits-card.tsx';
import { formatCount, formatCredits, formatMoney } from '../format.ts';
import { Link } from '../router.tsx';

function PlanOption({
  plan,
  current,
  busy,
  onChoose,
}: {
  plan: PlanReply;
  current: boolean;
  busy: boolean;
  /** Null when this Tally takes no payments or this session may not change the plan: nothing to press. */
  onChoose: (() => void) | null;
}) {
  return (
    <li className={`offer ${current ? 'offer-current' : ''}`} data-testid={`plan-${plan.id}`}>
      <div className="offer-title">
        <h3>{plan.name}</h3>
        {current ? <span className="badge badge-muted">Current plan</span> : null}
      </div>
      <p className="offer-price">
        {formatMoney(plan.monthlyPrice, plan.currency)}
        <span className="muted"> / month</span>
      </p>
      <ul className="offer-features">
        <li>{formatCredits(plan.creditsPerPeriod)} credits every month</li>
        <li>Up to {formatCount(plan.agents)} agents</li>
      </ul>
      {current || !onChoose ? null : (
        <button type="button" className="button button-primary button-wide" onClick={onChoose} disabled={busy}>
          Upgrade to {plan.name}
        </button>
      )}
    </li>
  );
}

function PackOption({
  pack,
  busy,
  onChoose,
}: {
  pack: PackReply;
  busy: boolean;
  /** Null when this session may not buy. */
  onChoose: (() => void) | null;
}) {
  return (
    <li className="offer" data-testid={`pack-${pack.id}`}>
      <h3>{pack.name}</h3>
      <p className="offer-price">{formatMoney(pack.price, pack.currency)}</p>
      <ul className="offer-features">
        <li>{formatCredits(pack.credits)} credits, once</li>
        <li>Valid for {formatCount(pack.validityMonths)} months</li>
      </ul>
      {onChoose ? (
        <button type="button" className="button button-secondary button-wide" onClick={onChoose} disabled={busy}>
          Buy {pack.name}
        </button>
      ) : null}
    </li>
  );
}

/** Payments are off on this Tally: the workspace asks the operator, at the operator's page when there is one. */
function AskTheOperator({ upgradeUrl }: { upgradeUrl: string | null }) {
  return (
    <div className="notice" role="status" data-testid="payments-off">
      {upgradeUrl ? (
        <p>
          Plans and credit packs are bought from your provider.{' '}
          <a href={upgradeUrl} data-testid="operator-upgrade-link">
            Upgrade your account
          </a>
        </p>
      ) : (
        <p>Plans and credit packs cannot be bought here. Contact your provider to upgrade or add credits.</p>
      )}
    </div>
  );
}

function doneMessage(reply: CheckoutReply | undefined, choice: { kind: 'plan' | 'pack'; id: string } | undefined) {
  if (!reply || !choice) return null;
  const credits = reply.grant ? `${formatCredits(reply.grant.amount)} credits are on your account.` : '';
  return choice.kind === 'plan' ? `Your plan is changed. ${credits}` : `Done: ${credits || 'the pack is bought.'}`;
}

export function UpgradePage() {
  const options = useUpgradeOptions();
  const balance = useBalance();
  const checkout = useCheckout();
  const canChange = useCanChange();
  const data = options.data;
  const buying = data?.provider !== 'off';
  return (
    <>
      <div className="page-title">
        <h1>Upgrade</h1>
        <p className="muted">
          {data ? (
            <>
              You are on the <strong>{data.current.name}</strong> plan
              {data.pendingPlan ? `, changing to ${data.pendingPlan.name} when the period ends` : ''}.{' '}
            </>
          ) : null}
          {balance.data?.upgrade?.reason ?? 'More credits each month, more agents, or a one-off pack of credits.'}{' '}
          <Link href="/">Back to usage</Link>
        </p>
      </div>
      {data && !buying ? <AskTheOperator upgradeUrl={data.upgradeUrl} /> : null}
      {canChange ? null : (
        <div className="notice" role="status" data-testid="viewer-notice">
          <p>You can look at the plans here; changing the plan or buying credits is up to the workspace's admins.</p>
        </div>
      )}
      {checkout.isError ? (
        <div className="notice notice-bad" role="alert">
          <p>{checkout.error instanceof ApiError ? checkout.error.message : 'The checkout could not start.'}</p>
        </div>
      ) : checkout.isSuccess && !checkout.data?.checkoutUrl ? (
        <div className="notice notice-ok" role="status" data-testid="checkout-done">
          <p>{doneMessage(checkout.data, checkout.variables)}</p>
        </div>
      ) : null}
      <div className="grid grid-upgrade">
        <Card title="Plans" className="card-wide" testId="plans-card">
          {options.isPending ? (
            <CardLoading label="plans" />
          ) : options.isError || !data ? (
            <CardError error={options.error} onRetry={() => options.refetch()} what="plans" />
          ) : (
            <>
              <ul className="offers">
                {[data.current, ...data.plans].map((plan) => (
                  <PlanOption
                    key={plan.id}
                    plan={plan}
                    current={plan.id === data.current.id}
                    busy={checkout.isPending}
                    onChoose={buying && canChange ? () => checkout.mutate({ kind: 'plan', id: plan.id }) : null}
                  />
                ))}
              </ul>
              {data.plans.length === 0 ? (
                <p className="muted">You are on the largest plan. Packs below add credits when you need them.</p>
              ) : null}
            </>
          )}
        </Card>
        <Card title="Credit packs" className="card-wide" testId="packs-card">
          {options.isPending ? (
            <CardLoading label="packs" />
          ) : options.isError || !data ? (
            <CardError error={options.error} onRetry={() => options.refetch()} what="packs" />
          ) : (
            <ul className="offers">
              {data.packs.map((pack) => (
                <PackOption
                  key={pack.id}
                  pack={pack}
                  busy={checkout.isPending}
                  onChoose={buying && canChange ? () => checkout.mutate({ kind: 'pack', id: pack.id }) : null}
                />
              ))}
            </ul>
          )}
          {data?.provider === 'stripe' ? (
            <p className="form-hint">Payment happens on Stripe; the credits arrive as soon as it is confirmed.</p>
          ) : null}
        </Card>
        <SpendLimitsCard />
        <AutoTopUpCard />
        <BillingHistoryCard />
        {canChange ? <AlertLevelsCard /> : null}
        <EmailNoticesCard />
      </div>
    </>
  );
}
