import { type FormEvent, useId, useState } from 'react';
import { ApiError } from '../api/client.ts';
import { useCanChange, useConnectTwilio, useDisconnectTwilio, useTwilio } from '../api/queries.ts';
import type { TwilioCardReply } from '../api/types.ts';
import { formatCount, formatDateTime, formatDay, formatMoney, formatRelative, formatTime } from '../format.ts';
import { Card, CardError, CardLoading } from './card.tsx';

/**
 * Problems that only new credentials fix. The others clear on their own or need the operator
 * (not_found, unexpected_response): a reconnect would succeed and change nothing, so it is not offered.
 */
const NEEDS_RECONNECT = new Set(['credentials_rejected', 'permission_denied', 'secret_unreadable']);

type Part = 'balance' | 'usage';
const PART_LABELS: Record<Part, string> = { balance: 'Balance', usage: 'Spend' };

type TwilioState = 'loading' | 'not-connected' | 'current' | 'stale' | 'failing';

/**
 * Stale: Twilio did not answer just now, so the last known figures show with the reason; it clears
 * on its own. Failing: nothing can be shown, or only new credentials will fix it.
 */
export function twilioState(card: TwilioCardReply | undefined): TwilioState {
  if (!card) return 'loading';
  if (!card.connected) return 'not-connected';
  const hasFigures = card.parts?.balance.asOf !== undefined || card.last30Days !== undefined;
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

/** Each part's own problem, named for the part, so a failing usage list never reads as a failing balance. */
function Problems({ card, state }: { card: TwilioCardReply; state: TwilioState }) {
  const shown = (['balance', 'usage'] as const).flatMap((part) => {
    const problem = card.parts?.[part].problem;
    return problem ? [{ part, problem }] : [];
  });
  if (shown.length === 0 && state !== 'stale') return null;
  const failing = state === 'failing';
  const sameProblem = shown.length === 2 && shown[0]?.problem.message === shown[1]?.problem.message;
  return (
    <div
      className={`notice ${failing ? 'notice-bad' : 'notice-warn'}`}
      role={failing ? 'alert' : 'status'}
      data-testid="twilio-problem"
    >
      {shown.length === 0 ? (
        <p>These figures are not current; Tally is asking Twilio again.</p>
      ) : sameProblem ? (
        <p>{shown[0]?.problem.message}</p>
      ) : (
        shown.map(({ part, problem }) => (
          <p key={part} data-testid={`twilio-problem-${part}`}>
            <strong>{PART_LABELS[part]}:</strong> {problem.message}
          </p>
        ))
      )}
    </div>
  );
}

function Figures({ card, state }: { card: TwilioCardReply; state: TwilioState }) {
  const balanceRead = card.parts?.balance.asOf !== undefined;
  if (!balanceRead && !card.last30Days) {
    return <p className="muted">No figures from Twilio yet.</p>;
  }
  const dimmed = (part: Part) => ((card.parts?.[part].stale ?? state !== 'current') ? 'is-dimmed' : '');
  const spend = card.last30Days;
  return (
    <div className="twilio-figures">
      <div className={dimmed('balance')}>
        <p className="stat-label">Balance</p>
        <p className="stat-value" data-testid="twilio-balance">
          {card.balance !== undefined && card.currency ? formatMoney(card.balance, card.currency) : '—'}
        </p>
        {balanceRead && card.balance === undefined ? (
          <p className="stat-note" data-testid="twilio-balance-note">
            Twilio keeps no balance for this account: a subaccount is paid from its parent account.
          </p>
        ) : null}
      </div>
      <div className={dimmed('usage')}>
        <p className="stat-label">Spend, last 30 days</p>
        <p className="stat-value" data-testid="twilio-spend">
          {spend ? formatMoney(spend.spend, spend.currency) : '—'}
        </p>
        {spend?.calls !== undefined ? (
          <p className="stat-note">
            {formatCount(spend.calls)} calls
            {spend.callMinutes !== undefined ? `, ${formatCount(spend.callMinutes)} minutes` : ''}
          </p>
        ) : null}
        {spend?.includesSubaccounts === false ? (
          <p className="stat-note" data-testid="twilio-scope">
            This account only, subaccounts not included
          </p>
        ) : null}
      </div>
      {spend?.byCategory ? <SpendSplit byCategory={spend.byCategory} currency={spend.currency} /> : null}
    </div>
  );
}

type ByCategory = NonNullable<NonNullable<TwilioCardReply['last30Days']>['byCategory']>;

/** In Twilio's own usage categories, so the figures can be found again in the Twilio Console. */
const CATEGORY_LABELS: Array<[keyof ByCategory, string]> = [
  ['calls', 'Calls'],
  ['sms', 'SMS'],
  ['phoneNumbers', 'Phone numbers'],
  ['recordings', 'Recordings'],
  ['other', 'Other'],
];

function SpendSplit({ byCategory, currency }: { byCategory: ByCategory; currency: string }) {
  return (
    <dl className="twilio-split" data-testid="twilio-split">
      {CATEGORY_LABELS.map(([key, label]) => (
        <div key={key}>
          <dt>{label}</dt>
          <dd>{formatMoney(byCategory[key], currency)}</dd>
        </div>
      ))}
    </dl>
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
          <Problems card={card} state={state} />
          <Figures card={card} state={state} />
          {card.daily && card.last30Days ? <SpendBars daily={card.daily} currency={card.last30Days.currency} /> : null}
          <AsOf card={card} state={state} />
          {!canChange ? null : reconnecting ? (
            <ConnectForm reconnect onDone={() => setReconnecting(false)} />
          ) : (
            <div className="card-links">
              {card.consoleUrl ? (
                <a className="button button-link" href={card.consoleUrl} target="_blank" rel="noreferrer">
                  Manage funds in the Twilio Console
                </a>
              ) : null}
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
