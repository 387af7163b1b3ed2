import { BILLING_HISTORY_CSV, type HistoryEntryReply, useBillingHistory } from '../api/billing-history.ts';
import { formatCredits, formatDayYear, formatMoney } from '../format.ts';
import { Card, CardError, CardLoading } from './card.tsx';
import './billing-history.css';

const KINDS: Record<string, string> = {
  renewal: 'Renewal',
  plan_change: 'Plan change',
  purchase: 'Purchase',
  top_up: 'Auto top-up',
  payment: 'Payment',
};

function Entry({ entry }: { entry: HistoryEntryReply }) {
  return (
    <tr data-testid="billing-entry">
      <td>
        <time dateTime={entry.at}>{formatDayYear(entry.at)}</time>
      </td>
      <th scope="row">
        <span className="history-kind">{KINDS[entry.kind] ?? entry.kind}</span>
        <span className="history-description">{entry.description}</span>
      </th>
      <td className="history-number">{entry.credits > 0 ? `+${formatCredits(entry.credits)}` : '—'}</td>
      <td className="history-number">{entry.amount ? formatMoney(entry.amount.value, entry.amount.currency) : '—'}</td>
      <td>
        {entry.documentUrl ? (
          <a href={entry.documentUrl} target="_blank" rel="noreferrer">
            Receipt
            <span className="visually-hidden"> for {entry.description} (opens Stripe in a new tab)</span>
          </a>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
    </tr>
  );
}

/** Plan changes, renewals and purchases, newest first, with their receipts; the same as a CSV file. */
export function BillingHistoryCard() {
  const history = useBillingHistory();
  return (
    <Card
      title="Billing history"
      className="card-wide"
      testId="billing-history-card"
      action={
        <a className="button button-secondary button-small" href={BILLING_HISTORY_CSV} download>
          Download CSV
        </a>
      }
    >
      {history.isPending ? (
        <CardLoading label="the billing history" lines={4} />
      ) : history.isError ? (
        <CardError error={history.error} onRetry={() => history.refetch()} what="the billing history" />
      ) : history.data.items.length === 0 ? (
        <p className="muted">Nothing billed yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="billing-history">
            <caption className="visually-hidden">Billing history, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">What</th>
                <th scope="col" className="history-number">
                  Credits
                </th>
                <th scope="col" className="history-number">
                  Amount
                </th>
                <th scope="col">Document</th>
              </tr>
            </thead>
            <tbody>
              {history.data.items.map((entry) => (
                <Entry key={entry.id} entry={entry} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
