import { useAutoTopUp } from '../api/auto-top-up.ts';

/** On the Usage page when the last auto top-up did not buy: why, and where to finish it when the bank wants the customer. */
export function AutoTopUpBanner() {
  const last = useAutoTopUp().data?.last;
  if (!last || (last.status !== 'failed' && last.status !== 'requires_action')) return null;
  return (
    <div className="notice notice-bad" role="alert" data-testid="auto-top-up-banner">
      {last.status === 'requires_action' ? (
        <p>
          Your bank wants you to confirm the automatic credit top-up.{' '}
          {last.actionUrl ? <a href={last.actionUrl}>Complete the purchase</a> : null}
        </p>
      ) : (
        <p>The automatic credit top-up failed{last.error ? `: ${last.error}` : '.'} Credits were not added.</p>
      )}
    </div>
  );
}
