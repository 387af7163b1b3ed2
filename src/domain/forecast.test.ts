import { describe, expect, it } from 'vitest';
import { type ForecastInput, forecastCredits } from './forecast.ts';

const DAY = 86_400_000;
const plans = [
  { id: 'free', monthlyPrice: 0, creditsPerPeriod: 50_000 },
  { id: 'starter', monthlyPrice: 29, creditsPerPeriod: 1_000_000 },
  { id: 'growth', monthlyPrice: 99, creditsPerPeriod: 5_000_000 },
];
const now = new Date('2026-11-16T00:00:00Z');
const base: ForecastInput = {
  recentDays: Array(14).fill(10_000),
  available: 100_000,
  period: { start: new Date('2026-11-01T00:00:00Z'), end: new Date('2026-12-01T00:00:00Z') },
  usedInPeriod: 150_000,
  now,
  plans,
  currentPlan: 'starter',
};

describe('forecasting credits', () => {
  it('runs out after available / daily average days at the recent pace', () => {
    const forecast = forecastCredits(base);
    expect(forecast.dailyAverage).toBe(10_000);
    expect(forecast.runsOutAt).toEqual(new Date(now.getTime() + 10 * DAY));
    expect(forecast.periodEndProjection).toBe(150_000 + 15 * 10_000);
  });

  it('averages only the last 14 days, zeros included', () => {
    const forecast = forecastCredits({
      ...base,
      recentDays: [...Array(20).fill(99_000), ...Array(7).fill(0), ...Array(7).fill(20_000)],
    });
    expect(forecast.dailyAverage).toBe(10_000);
  });

  it('never runs out when nothing is used, and has run out already when nothing is left', () => {
    expect(forecastCredits({ ...base, recentDays: Array(14).fill(0) }).runsOutAt).toBeNull();
    expect(forecastCredits({ ...base, available: 0 }).runsOutAt).toEqual(now);
  });

  it('suggests the cheapest plan that covers a month at this pace, and none when the current one does', () => {
    expect(forecastCredits(base).suggestedPlan).toBeNull();
    expect(forecastCredits({ ...base, recentDays: Array(14).fill(60_000) }).suggestedPlan).toBe('growth');
    expect(forecastCredits({ ...base, currentPlan: 'free' }).suggestedPlan).toBe('starter');
    expect(forecastCredits({ ...base, recentDays: Array(14).fill(900_000) }).suggestedPlan).toBe('growth');
  });
});
