import { describe, expect, it } from 'vitest';
import { classifyPlanChange, type PlanTerms, rolloverCarry, upgradeTopUp } from './plan-rules.ts';

const plan = (id: string, monthlyPrice: number, credits: number): PlanTerms => ({
  id,
  monthlyPrice,
  creditsPerPeriod: credits * 1000,
  rollover: { kind: 'expire' },
});

describe('plan rules', () => {
  it('calls a move to a dearer plan, or an equally priced one with more credits, an upgrade', () => {
    expect(classifyPlanChange(plan('free', 0, 50), plan('starter', 29, 1000))).toBe('upgrade');
    expect(classifyPlanChange(plan('a', 29, 1000), plan('b', 29, 2000))).toBe('upgrade');
    expect(classifyPlanChange(plan('starter', 29, 1000), plan('free', 0, 50))).toBe('downgrade');
    expect(classifyPlanChange(plan('a', 29, 2000), plan('b', 29, 2000))).toBe('downgrade');
    expect(classifyPlanChange(plan('a', 29, 1000), plan('a', 29, 1000))).toBe('none');
  });

  it('tops an upgrade up by the whole difference in allocations, never a negative amount', () => {
    expect(upgradeTopUp(plan('free', 0, 50), plan('growth', 99, 5000))).toBe(4_950_000);
    expect(upgradeTopUp(plan('a', 10, 500), plan('b', 20, 100))).toBe(0);
  });

  it('carries unused credits over up to the cap, and nothing when the plan lets them expire', () => {
    const cap = { kind: 'rollover', cap: 2_500_000 } as const;
    expect(rolloverCarry(4_000_000, cap)).toBe(2_500_000);
    expect(rolloverCarry(1_000, cap)).toBe(1_000);
    expect(rolloverCarry(0, cap)).toBe(0);
    expect(rolloverCarry(4_000_000, { kind: 'expire' })).toBe(0);
  });
});
