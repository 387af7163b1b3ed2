import type { Millicredits } from './amounts.ts';
import type { Period } from './periods.ts';

const DAY_MS = 86_400_000;

/** Two full weeks: an even mix of weekdays and weekends, recent enough to follow a trend. */
export const FORECAST_WINDOW_DAYS = 14;

export interface PlanOption {
  id: string;
  monthlyPrice: number;
  creditsPerPeriod: Millicredits;
}

export interface ForecastInput {
  /** Credits used on each of the last full days, oldest first (zeros included); today is left out as it is partial. */
  recentDays: readonly Millicredits[];
  available: Millicredits;
  period: Period;
  usedInPeriod: Millicredits;
  now: Date;
  plans: readonly PlanOption[];
  currentPlan: string;
}

export interface Forecast {
  dailyAverage: Millicredits;
  /** When the credits reach zero at the current pace; null when nothing is being used. */
  runsOutAt: Date | null;
  /** Credits the current period will have used at its end at this pace. */
  periodEndProjection: Millicredits;
  /** The cheapest plan whose allocation covers a month at this pace, when the current one does not. */
  suggestedPlan: string | null;
}

export function forecastCredits(input: ForecastInput): Forecast {
  const days = input.recentDays.slice(-FORECAST_WINDOW_DAYS);
  const dailyAverage = days.length === 0 ? 0 : Math.round(days.reduce((sum, used) => sum + used, 0) / days.length);
  let runsOutAt: Date | null = null;
  if (input.available <= 0) runsOutAt = input.now;
  else if (dailyAverage > 0)
    runsOutAt = new Date(input.now.getTime() + Math.round((input.available / dailyAverage) * DAY_MS));
  const daysLeft = Math.max(0, (input.period.end.getTime() - input.now.getTime()) / DAY_MS);
  const periodEndProjection = input.usedInPeriod + Math.round(dailyAverage * daysLeft);
  const periodDays = (input.period.end.getTime() - input.period.start.getTime()) / DAY_MS;
  const monthlyNeed = Math.round(dailyAverage * periodDays);
  const current = input.plans.find((plan) => plan.id === input.currentPlan);
  let suggestedPlan: string | null = null;
  if (!current || current.creditsPerPeriod < monthlyNeed) {
    const covering = input.plans
      .filter((plan) => plan.creditsPerPeriod >= monthlyNeed && plan.id !== input.currentPlan)
      .sort((a, b) => a.monthlyPrice - b.monthlyPrice || a.creditsPerPeriod - b.creditsPerPeriod);
    const largest = [...input.plans].sort((a, b) => b.creditsPerPeriod - a.creditsPerPeriod)[0];
    suggestedPlan = covering[0]?.id ?? (largest && largest.id !== input.currentPlan ? largest.id : null);
  }
  return { dailyAverage, runsOutAt, periodEndProjection, suggestedPlan };
}
