import { useEmailNotices, useSetEmailNotices } from '../api/alerts.ts';
import { ApiError } from '../api/client.ts';
import { useSession } from '../api/queries.ts';
import { Card, CardError, CardLoading } from './card.tsx';

/** The signed-in person's own e-mail notices (low credits, usage levels, limits, top-ups): on or off. */
export function EmailNoticesCard() {
  const session = useSession();
  const person = session.data?.user ?? null;
  const notices = useEmailNotices(person !== null);
  const save = useSetEmailNotices();
  // A session opened by a host platform's link has no person of ours to mail.
  if (!person) return null;
  return (
    <Card title="E-mail notices" className="card-wide" testId="email-notices-card">
      {notices.isPending ? (
        <CardLoading label="e-mail notices" lines={1} />
      ) : notices.isError || !notices.data ? (
        <CardError error={notices.error} onRetry={() => notices.refetch()} what="e-mail notices" />
      ) : (
        <>
          <label className="field field-inline">
            <input
              type="checkbox"
              checked={notices.data.enabled}
              disabled={save.isPending}
              onChange={(event) => save.mutate(event.target.checked)}
              data-testid="email-notices-toggle"
            />
            <span>
              E-mail me ({notices.data.email}) when credits run low, a usage alert or limit is reached, or an auto
              top-up runs
            </span>
          </label>
          {save.isError ? (
            <p className="form-error" role="alert">
              {save.error instanceof ApiError ? save.error.message : 'The setting could not be saved.'}
            </p>
          ) : null}
        </>
      )}
    </Card>
  );
}
