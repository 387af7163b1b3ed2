import { lazy, Suspense } from 'react';
import { AutoTopUpBanner } from '../components/auto-top-up-banner.tsx';
import { Card, CardLoading } from '../components/card.tsx';
import { CreditGaugeCard } from '../components/credit-gauge.tsx';
import { LimitProgressCard } from '../components/limit-progress.tsx';
import { TwilioCard } from '../components/twilio-card.tsx';
import { UsageSummaryCard } from '../components/usage-summary.tsx';

// The chart library is most of the page's weight: it loads in parallel while the other cards fill in.
const UsageHistoryCard = lazy(() =>
  import('../components/usage-history.tsx').then((module) => ({ default: module.UsageHistoryCard })),
);
const UsageBreakdownCard = lazy(() =>
  import('../components/usage-breakdown.tsx').then((module) => ({ default: module.UsageBreakdownCard })),
);

export function DashboardPage() {
  return (
    <>
      <div className="page-title">
        <h1>Usage</h1>
        <p className="muted">Credits, conversations and phone costs of your agents. Figures update on their own.</p>
      </div>
      <AutoTopUpBanner />
      <div className="grid">
        <CreditGaugeCard />
        <TwilioCard />
        <LimitProgressCard />
        <UsageSummaryCard />
        <Suspense
          fallback={
            <Card title="Usage history" className="card-history">
              <CardLoading label="the usage history" lines={6} />
            </Card>
          }
        >
          <UsageHistoryCard />
        </Suspense>
        <Suspense fallback={<CardLoading label="where the credits went" lines={4} />}>
          <UsageBreakdownCard />
        </Suspense>
      </div>
    </>
  );
}
