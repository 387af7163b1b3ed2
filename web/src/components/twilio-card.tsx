import { type FormEvent, useId, useState } from 'react';
import { ApiError } from '../api/client.ts';
import { useCanChange, useConnectTwilio, useDisconnectTwilio, useTwilio } from '../api/queries.ts';
import type { TwilioCardReply } from '../api/types.ts';
import { formatCount, formatDateTime, formatDay, formatMoney, formatRelative, formatTime } from '../format.ts';
import { Card, CardError, CardLoading } from './card.tsx';

/** Problems that only a new set of credentials fixes; the others clear on their own. */
const NEEDS_RECONNECT = new Set(['credentials_rejected', 'secret_unreadable']);

type TwilioState = 'loading' | 'not-connected' | 'current' | 'stale' | 'failing';

/**
 * Stale: Twilio did not answer just now, so the last known figures show with the reason; it clears
 * on its own. Failing: nothing can be shown, or only new credentials will fix it.
 */
export function twilioState(card: TwilioCardReply | undefined): TwilioState {
  if (!card) return 'loading';
  if (!card.connected) return 'not-connected';
  const hasFigures = card.balance !== undefined || card.last30Days !== undefined;
  if (card.problem && (NEEDS_RECONNECT.has(card.problem.code) || !hasFigures)) return 'failing';
  return card.stale ? 'stale' : 'current';
}

const BADGES: Partial<Record<TwilioState, { label: string; tone: string }>> = {
  current: { label: 'Live', tone: 'ok' },
  stale: { label: 'Stale', tone: 'warn' },
  failing: { label: 'Problem', tone: 'bad' },
  'not-connected': { label: 'Not connected', tone: 'muted' },
};

function ConnectForm({ onDone, reconnect }: { onDone?: () => void; reconnect: boolean }) {
  const connect = useConnectTwilio();
  const [accountSid, setAccountSid] = useState('');
  const [authToken, setAuthToken] = useState('');
  const sidId = useId();
  const tokenId = useId();
  const errorId = useId();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    connect.mutate(
      { accountSid: accountSid.trim(), authToken: authToken.trim() },
      {
        onSuccess: () => {
          setAuthToken('');
          onDone?.();
        },
      },
    );
  };
  const error = connect.error;
  return (
    <form className="connect-form" onSubmit={submit} aria-describedby={error ? errorId : undefined}>
      <div className="field">
        <label htmlFor={sidId}>Account SID</label>
        <input
          id={sidId}
          name="accountSid"
          value={accountSid}
          onChange={(event) => setAccountSid(event.target.value)}
          placeholder="AC…"
          autoComplete="off"
          spellCheck={false}
          required
          pattern="AC[0-9a-fA-F]{32}"
          title="AC followed by 32 hexadecimal characters"
        />
      </div>
      <div className="field">
        <label htmlFor={tokenId}>Auth Token</label>
        <input
          id={tokenId}
          name="authToken"
          type="password"
          value={authToken}
          onChange={(event) => setAuthToken(event.target.value)}
          autoComplete="off"
          required
        />
      </div>
      {error ? (
        <p className="form-error" id={errorId} role="alert">
          {error instanceof ApiError ? error.message : 'Twilio could not be connected.'}
        </p>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={connect.isPending}>
          {connect.isPending ? 'Checking with Twilio…' : reconnect ? 'Reconnect Twilio' : 'Connect Twilio'}
        </button>
        {onDone ? (
          <button type="button" className="button button-secondary" onClick={onDone}>
            Cancel
          </button>
        ) : null}
      </div>
      <p className="form-hint">
        Tally checks the credentials with Twilio, stores the token encrypted and only reads the balance and usage. Your
        funds stay managed in Twilio.
      </p>
    </form>
  );
}

function Figures({ card, state }: { card: TwilioCardReply; state: TwilioState }) {
  if (card.balance === undefined && !card.last30Days) {
    return <p className="muted">No figures from Twilio yet.</p>;
  }
  return (
    <div className={`twilio-figures ${state === 'current' ? '' : 'is-dimmed'}`}>
      <div>
        <p className="stat-label">Balance</p>
        <p className="stat-value" data-testid="twilio-balance">
          {card.balance !== undefined && card.currency ? formatMoney(card.balance, card.currency) : '—'}
        </p>
      </div>
      <div>
        <p className="stat-label">Spend, last 30 days</p>
        <p className="stat-value" data-testid="twilio-spend">
          {card.last30Days ? formatMoney(card.last30Days.spend, card.last30Days.currency) : '—'}
        </p>
        {card.last30Days?.calls !== undefined ? (
          <p className="stat-note">
            {formatCount(card.last30Days.calls)} calls
            {card.last30Days.callMinutes !== undefined ? `, ${formatCount(card.last30Days.callMinutes)} minutes` : ''}
          </p>
        ) : null}
      </div>
    </div>
  );
}

/** Thirty small bars of daily spend: the shape of the month at a glance; the exact total is beside it. */
function SpendBars({ daily, currency }: { daily: NonNullable<TwilioCardReply['daily']>; currency: string }) {
  if (daily.length === 0) return null;
  const max = Math.max(...daily.map((day) => day.spend), 0.01);
  const busiest = daily.reduce((best, day) => (day.spend > best.spend ? day : best));
  const width = 100 / daily.length;
  return (
    <figure className="spend-bars">
      <svg viewBox="0 0 100 32" preserveAspectRatio="none" aria-hidden="true" focusable="false">
        {daily.map((day, index) => {
          const height = Math.max(0.75, (day.spend / max) * 30);
          return (
            <rect
              key={day.date}
              x={index * width + width * 0.15}
              y={32 - height}
              width={width * 0.7}
              height={height}
              rx={0.6}
            />
          );
        })}
      </svg>
      <figcaption className="stat-note">
        Daily spend; busiest day {formatDay(busiest.date)} at {formatMoney(busiest.spend, currency)}
      </figcaption>
    </figure>
  );
}

function AsOf({ card, state }: { card: TwilioCardReply; state: TwilioState }) {
  if (!card.asOf) return null;
  return (
    <p className="card-footnote" data-testid="twilio-as-of">
      <time dateTime={card.asOf} title={formatDateTime(card.asOf)}>
        {state === 'current' ? 'As of' : 'Last known figures from'} {formatTime(card.asOf)} ({formatRelative(card.asOf)}
        )
      </time>
      {card.accountSid ? (
        <>
          {' '}
          · Account {card.accountSid.slice(0, 6)}…{card.accountSid.slice(-4)}
        </>
      ) : null}
    </p>
  );
}

export function TwilioCard() {
  const canChange = useCanChange();
  const twilio = useTwilio();
  const disconnect = useDisconnectTwilio();
  const [reconnecting, setReconnecting] = useState(false);
  const card = twilio.data;
  const state = twilioState(card);
  const badge = BADGES[state];
  return (
    <Card
      title="Twilio"
      className="card-twilio"
      testId="twilio-card"
      action={
        badge ? (
          <span className={`badge badge-${badge.tone}`} data-testid="twilio-state">
            {badge.label}
          </span>
        ) : null
      }
    >
      {twilio.isPending ? (
        <CardLoading label="the Twilio balance" />
      ) : twilio.isError && !card ? (
        <CardError error={twilio.error} onRetry={() => twilio.refetch()} what="the Twilio balance" />
      ) : card && !card.connected ? (
        <>
          <p className="muted">
            Phone calls are paid from your own Twilio account. Connect it to see its balance and spend beside your
            credits.
          </p>
          {canChange ? <ConnectForm reconnect={false} /> : null}
        </>
      ) : card ? (
        <>
          {state === 'failing' ? (
            <div className="notice notice-bad" role="alert" data-testid="twilio-problem">
              <p>{card.problem?.message}</p>
            </div>
          ) : state === 'stale' ? (
            <div className="notice notice-warn" role="status" data-testid="twilio-problem">
              <p>{card.problem?.message ?? 'These figures are not current; Tally is asking Twilio again.'}</p>
            </div>
          ) : null}
          <Figures card={card} state={state} />
          {card.daily && card.last30Days ? <SpendBars daily={card.daily} currency={card.last30Days.currency} /> : null}
          <AsOf card={card} state={state} />
          {!canChange ? null : reconnecting ? (
            <ConnectForm reconnect onDone={() => setReconnecting(false)} />
          ) : (
            <div className="card-links">
              <button
                type="button"
                className={`button ${card.problem && NEEDS_RECONNECT.has(card.problem.code) ? 'button-primary' : 'button-link'}`}
                onClick={() => setReconnecting(true)}
              >
                Reconnect
              </button>
              <button
                type="button"
                className="button button-link"
                disabled={disconnect.isPending}
                onClick={() => {
                  if (window.confirm('Disconnect Twilio? Tally forgets the credentials; nothing changes in Twilio.')) {
                    disconnect.mutate();
                  }
                }}
              >
                Disconnect
              </button>
            </div>
          )}
        </>
      ) : null}
    </Card>
  );
}
