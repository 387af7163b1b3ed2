import type { ReactNode } from 'react';
import { useId } from 'react';

interface CardProps {
  title: string;
  /** Beside the title: a control or a status badge. */
  action?: ReactNode;
  className?: string;
  children: ReactNode;
  testId?: string;
}

/** A titled region of the dashboard; the title names the region for screen readers. */
export function Card({ title, action, className, children, testId }: CardProps) {
  const id = useId();
  return (
    <section className={`card ${className ?? ''}`} aria-labelledby={id} data-testid={testId}>
      <header className="card-header">
        <h2 id={id}>{title}</h2>
        {action ? <div className="card-action">{action}</div> : null}
      </header>
      {children}
    </section>
  );
}

/** A grey placeholder with the card's shape while its figures load; screen readers hear "Loading". */
export function CardLoading({ lines = 3, label }: { lines?: number; label: string }) {
  return (
    <div className="skeleton" role="status" aria-live="polite">
      <span className="visually-hidden">Loading {label}…</span>
      {Array.from({ length: lines }, (_, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity of their own
        <div key={index} className="skeleton-line" style={{ width: `${90 - index * 18}%` }} />
      ))}
    </div>
  );
}

/** What went wrong and a way to try again; polling also retries on its own. */
export function CardError({ error, onRetry, what }: { error: unknown; onRetry: () => void; what: string }) {
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="card-error" role="alert">
      <p>
        <strong>Could not load {what}.</strong> {message}
      </p>
      <button type="button" className="button button-secondary" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}
