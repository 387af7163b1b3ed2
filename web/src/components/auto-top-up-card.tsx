import { type FormEvent, useEffect, useId, useState } from 'react';
import { type AutoTopUpReply, useAutoTopUp, useSetAutoTopUp } from '../api/auto-top-up.ts';
import { useUpgradeOptions } from '../api/billing.ts';
import { ApiError } from '../api/client.ts';
import { useCanChange } from '../api/queries.ts';
import { formatCredits, formatDateTime, formatMoney } from '../format.ts';
import { Card, CardError, CardLoading } from './card.tsx';

const STATUS_TEXT: Record<NonNullable<AutoTopUpReply['last']>['status'], string> = {
  pending: 'being paid',
  paying: 'being paid',
  processing: 'waiting for the payment to be confirmed',
  succeeded: 'bought',
  failed: 'failed',
  requires_action: 'needs you to confirm the payment',
};

function LastTopUp({ last }: { last: NonNullable<AutoTopUpReply['last']> }) {
  return (
    <p className="form-hint" data-testid="auto-top-up-last">
      Last top-up ({formatDateTime(last.at)}): {STATUS_TEXT[last.status]}
      {last.error ? ` — ${last.error}` : ''}
      {last.actionUrl ? (
        <>
          {' '}
          <a href={last.actionUrl}>Complete the purchase</a>
        </>
      ) : null}
    </p>
  );
}

/**
 * Auto top-up settings on the Plans page, for admins only: when the balance falls below a threshold,
 * a pack is bought, at most so many times a month.
 */
export function AutoTopUpCard() {
  const canChange = useCanChange();
  const options = useUpgradeOptions();
  const current = useAutoTopUp();
  const save = useSetAutoTopUp();
  const [form, setForm] = useState({ enabled: false, threshold: '', pack: '', maxPerMonth: '' });
  const ids = { enabled: useId(), threshold: useId(), pack: useId(), max: useId(), error: useId() };

  useEffect(() => {
    if (!current.data) return;
    const { enabled, threshold, pack, maxPerMonth } = current.data;
    setForm({ enabled, threshold: String(threshold), pack, maxPerMonth: String(maxPerMonth) });
  }, [current.data]);

  if (!canChange || options.data?.provider === 'off') return null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate({
      enabled: form.enabled,
      threshold: Number(form.threshold),
      pack: form.pack,
      maxPerMonth: Number(form.maxPerMonth),
    });
  };
  const error =
    save.error instanceof ApiError ? save.error.message : save.isError ? 'The settings could not be saved.' : null;

  return (
    <Card title="Auto top-up" className="card-wide" testId="auto-top-up-card">
      {current.isPending || options.isPending ? (
        <CardLoading label="auto top-up" />
      ) : current.isError || !current.data ? (
        <CardError error={current.error} onRetry={() => current.refetch()} what="auto top-up" />
      ) : (
        <form className="connect-form" onSubmit={submit} aria-describedby={error ? ids.error : undefined}>
          <div className="field field-inline">
            <input
              id={ids.enabled}
              type="checkbox"
              checked={form.enabled}
              onChange={(event) => setForm({ ...form, enabled: event.target.checked })}
            />
            <label htmlFor={ids.enabled}>Buy credits automatically when the balance runs low</label>
          </div>
          <div className="field">
            <label htmlFor={ids.threshold}>When available credits fall below</label>
            <input
              id={ids.threshold}
              inputMode="decimal"
              value={form.threshold}
              onChange={(event) => setForm({ ...form, threshold: event.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor={ids.pack}>Buy this pack</label>
            <select
              id={ids.pack}
              value={form.pack}
              onChange={(event) => setForm({ ...form, pack: event.target.value })}
            >
              {(options.data?.packs ?? []).map((pack) => (
                <option key={pack.id} value={pack.id}>
                  {pack.name}: {formatCredits(pack.credits)} credits for {formatMoney(pack.price, pack.currency)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={ids.max}>At most this many times a month</label>
            <input
              id={ids.max}
              inputMode="numeric"
              value={form.maxPerMonth}
              onChange={(event) => setForm({ ...form, maxPerMonth: event.target.value })}
            />
          </div>
          {error ? (
            <p className="form-error" id={ids.error} role="alert">
              {error}
            </p>
          ) : null}
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={save.isPending}>
              Save auto top-up
            </button>
            {save.isSuccess ? (
              <span role="status" data-testid="auto-top-up-saved">
                Saved.
              </span>
            ) : null}
          </div>
          <p className="form-hint">
            This month: {current.data.thisMonth.count} of {current.data.maxPerMonth} bought.
            {options.data?.provider === 'stripe' ? ' Paid with the card you last paid with on Stripe.' : ''}
          </p>
          {current.data.last ? <LastTopUp last={current.data.last} /> : null}
        </form>
      )}
    </Card>
  );
}
