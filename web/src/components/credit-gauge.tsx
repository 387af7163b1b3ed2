import { useId } from 'react';
import { useBalance } from '../api/queries.ts';
import type { BalanceReply } from '../api/types.ts';
import {
  formatCompact,
  formatCount,
  formatCredits,
  formatDay,
  formatDayRange,
  formatPercent,
  formatRelative,
} from '../format.ts';
import { Link } from '../router.tsx';
import { Card, CardError, CardLoading } from './card.tsx';
import { ExpiringCredits } from './expiring-credits.tsx';

const RADIUS = 72;
const CIRCUMFERENCE = 2 * Math.PI * RADIUS;

/**
 * Used of what the period had: what was used plus what is still there (held credits are set
 * aside, not spent, so they count as still there). Overage beyond zero shows as a full ring.
 */
export function gaugeFigures(balance: BalanceReply) {
  const used = balance.period.used;
  const left = Math.max(0, balance.available + balance.held);
  const total = used + left;
  return { used, left, total, share: total > 0 ? Math.min(1, used / total) : 0 };
}

/** "7 / 10" while it fits; compact ("12.5K / 20K") when the exact figures would crowd the ring. */
function centreText(used: number, total: number): { used: string; total: string } {
  const exact = { used: formatCredits(used), total: formatCredits(total) };
  return exact.used.length + exact.total.length > 10
    ? { used: formatCompact(used), total: formatCompact(total) }
    : exact;
}

function Gauge({ balance }: { balance: BalanceReply }) {
  const { used, left, total, share } = gaugeFigures(balance);
  const tone = balance.available <= 0 ? 'empty' : balance.low ? 'low' : 'ok';
  const centre = centreText(used, total);
  const valueText = `${formatCredits(used)} of ${formatCredits(total)} credits used this period (${formatPercent(share)}), ${formatCredits(left)} left`;
  return (
    <div className={`gauge gauge-${tone}`}>
      <div className="gauge-ring" data-testid="gauge">
        {/* The ring is drawn for the eye; screen readers get the same figures from a native meter. */}
        <meter
          className="visually-hidden"
          aria-label="Credits used this period"
          min={0}
          max={total}
          value={used}
          aria-valuetext={valueText}
        />
        <svg viewBox="0 0 180 180" aria-hidden="true" focusable="false">
          <circle className="gauge-track" cx="90" cy="90" r={RADIUS} />
          <circle
            className="gauge-value"
            cx="90"
            cy="90"
            r={RADIUS}
            strokeDasharray={`${CIRCUMFERENCE * share} ${CIRCUMFERENCE}`}
            transform="rotate(-90 90 90)"
          />
        </svg>
        <div className="gauge-centre" aria-hidden="true">
          <span className="gauge-figures" data-testid="gauge-text">
            <span className="gauge-used">{centre.used}</span>
            <span className="gauge-slash">/</span>
            <span className="gauge-total">{centre.total}</span>
          </span>
          <span className="gauge-caption">credits used</span>
        </div>
      </div>
      {balance.low ? (
        <div className="gauge-upgrade" role="status">
          <p>{balance.upgrade?.reason ?? 'Credits are running low.'}</p>
          <Link className="button button-primary" href={balance.upgrade?.url ?? '/upgrade'} data-testid="upgrade-link">
            Upgrade account
          </Link>
        </div>
      ) : null}
    </div>
  );
}

function Agents({ agents }: { agents: BalanceReply['agents'] }) {
  const share = agents.allowed ? Math.min(1, agents.used / agents.allowed) : 0;
  const labelId = useId();
  return (
    <div className="agents" data-testid="agents">
      <p className="stat-label" id={labelId}>
        Agents
      </p>
      <p className="stat-value">
        {formatCount(agents.used)}
        <span className="stat-of">
          {agents.allowed === null ? ' (no limit)' : ` of ${formatCount(agents.allowed)}`}
        </span>
      </p>
      {agents.allowed !== null ? (
        <div className="bar" aria-hidden="true">
          <div className="bar-fill" style={{ width: `${share * 100}%` }} />
        </div>
      ) : null}
      {agents.allowed !== null ? (
        <meter
          className="visually-hidden"
          aria-labelledby={labelId}
          min={0}
          max={agents.allowed}
          value={agents.used}
          aria-valuetext={`${formatCount(agents.used)} of ${formatCount(agents.allowed)} agents the plan allows`}
        />
      ) : null}
      <p className="stat-note">in use on your plan</p>
    </div>
  );
}

export function CreditGaugeCard() {
  const balance = useBalance();
  return (
    <Card title="Credits this period" className="card-gauge" testId="credits-card">
      {balance.isPending ? (
        <CardLoading label="credits" lines={4} />
      ) : balance.isError && !balance.data ? (
        <CardError error={balance.error} onRetry={() => balance.refetch()} what="credits" />
      ) : balance.data ? (
        <>
          <div className="gauge-layout">
            <Gauge balance={balance.data} />
            <div className="gauge-side">
              <div>
                <p className="stat-label">Available now</p>
                <p className="stat-value" data-testid="available">
                  {formatCredits(balance.data.available)}
                </p>
                {balance.data.held > 0 ? (
                  <p className="stat-note">{formatCredits(balance.data.held)} held for responses in progress</p>
                ) : null}
                <ExpiringCredits expiring={balance.data.expiring} />
              </div>
              <div>
                <p className="stat-label">Period renews</p>
                <p className="stat-value">
                  <time dateTime={balance.data.period.end}>{formatDay(balance.data.period.end)}</time>
                </p>
                <p className="stat-note">{formatRelative(balance.data.period.end)}</p>
              </div>
              <Agents agents={balance.data.agents} />
            </div>
          </div>
          <p className="card-footnote">
            Period {formatDayRange(balance.data.period.start, balance.data.period.end)} ·{' '}
            {formatCredits(balance.data.period.granted)} credits granted this period
          </p>
        </>
      ) : null}
    </Card>
  );
}
