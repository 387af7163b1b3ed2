import { useEffect, useId, useRef, useState } from 'react';
import type { BalanceReply } from '../api/types.ts';
import { formatCredits, formatDateTime, formatRelative } from '../format.ts';
import './expiring-credits.css';

const SOURCES: Record<string, string> = {
  subscription: 'Plan credits',
  purchase: 'Credit pack',
  promotion: 'Promotion',
  adjustment: 'Adjustment',
};

/**
 * "1,200 credits expire in 5 days": the credits of the grants that expire first this period. The
 * button shows every expiring grant on hover, on focus and on tap; Escape closes the list.
 */
export function ExpiringCredits({ expiring }: { expiring: BalanceReply['expiring'] }) {
  // Opened by a click, a tap or the keyboard; a hovering pointer also shows it (CSS).
  const [open, setOpen] = useState(false);
  const listId = useId();
  const wrapper = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (event: KeyboardEvent | PointerEvent) => {
      if (event instanceof KeyboardEvent ? event.key === 'Escape' : !wrapper.current?.contains(event.target as Node)) {
        setOpen(false);
      }
    };
    document.addEventListener('keydown', close);
    document.addEventListener('pointerdown', close);
    return () => {
      document.removeEventListener('keydown', close);
      document.removeEventListener('pointerdown', close);
    };
  }, [open]);

  const first = expiring[0];
  if (!first) return null;
  const firstDay = first.expiresAt.slice(0, 10);
  const soonest = expiring.filter((grant) => grant.expiresAt.slice(0, 10) === firstDay);
  const credits = soonest.reduce((sum, grant) => sum + grant.credits, 0);
  return (
    <div ref={wrapper} className="expiring" data-testid="expiring-credits">
      <button
        type="button"
        className="expiring-line"
        aria-expanded={open}
        aria-controls={listId}
        onClick={() => setOpen(!open)}
      >
        {formatCredits(credits)} credits expire {formatRelative(first.expiresAt)}
      </button>
      <div id={listId} className="expiring-list" hidden={!open} data-testid="expiring-list">
        <p className="expiring-title">Credits that expire this period</p>
        <ul>
          {expiring.map((grant) => (
            <li key={grant.grantId}>
              <span className="expiring-amount">{formatCredits(grant.credits)} credits</span>{' '}
              <span>
                {SOURCES[grant.source] ?? grant.source}, expire{' '}
                <time dateTime={grant.expiresAt}>{formatDateTime(grant.expiresAt)}</time>
              </span>
              <span className="expiring-reason">{grant.reason}</span>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
