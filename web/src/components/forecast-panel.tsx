import { useBalance, useForecast } from '../api/queries.ts';
import { formatCredits, formatLongDay, formatRelative } from '../format.ts';
import { Link } from '../router.tsx';
import { CardError, CardLoading } from './card.tsx';

function planName(id: string): string {
  return id.charAt(0).toUpperCase() + id.slice(1);
}

/** When credits run out at the current pace, and what that suggests. */
export function ForecastPanel() {
  const forecast = useForecast();
  const balance = useBalance();
  const data = forecast.data;
  const periodEnd = balance.data?.period.end;
  const runsOutBeforePeriodEnd =
    data?.runsOutAt && periodEnd ? new Date(data.runsOutAt).getTime() < new Date(periodEnd).getTime() : false;
  return (
    <aside className="forecast" aria-labelledby="forecast-title" data-testid="forecast">
      <h3 id="forecast-title">Forecast</h3>
      {forecast.isPending ? (
        <CardLoading label="the forecast" lines={3} />
      ) : forecast.isError && !data ? (
        <CardError error={forecast.error} onRetry={() => forecast.refetch()} what="the forecast" />
      ) : data ? (
        <>
          <dl className="forecast-figures">
            <div>
              <dt>Current pace</dt>
              <dd data-testid="forecast-pace">
                {formatCredits(Math.round(data.dailyAverage * 10) / 10)} credits a day
              </dd>
            </div>
            <div>
              <dt>Credits run out</dt>
              <dd data-testid="forecast-runs-out" className={runsOutBeforePeriodEnd ? 'is-warning' : ''}>
                {data.runsOutAt ? (
                  <>
                    <time dateTime={data.runsOutAt}>{formatLongDay(data.runsOutAt)}</time>{' '}
                    <span className="muted">({formatRelative(data.runsOutAt)})</span>
                  </>
                ) : (
                  'Not at this pace'
                )}
              </dd>
            </div>
            <div>
              <dt>Projected use this period</dt>
              <dd data-testid="forecast-projection">{formatCredits(Math.round(data.periodEndProjection))} credits</dd>
            </div>
          </dl>
          <p className="forecast-advice" data-testid="forecast-advice">
            {data.suggestedPlan ? (
              <>
                At this pace the <strong>{planName(data.suggestedPlan)}</strong> plan fits your usage better.{' '}
                <Link href="/upgrade">See plans</Link>
              </>
            ) : runsOutBeforePeriodEnd ? (
              <>
                Credits run out before the period ends. <Link href="/upgrade">Add credits or upgrade</Link>
              </>
            ) : (
              'Your credits cover this period at the current pace.'
            )}
          </p>
        </>
      ) : null}
    </aside>
  );
}
