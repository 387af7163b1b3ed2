import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalog, DEFAULT_CATALOG } from './catalog.ts';

const file = (content: unknown) => {
  const path = join(mkdtempSync(join(tmpdir(), 'tally-plans-')), 'plans.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

describe('the plan catalog file (TALLY_PLANS_FILE)', () => {
  it('loads a valid file, and the built-in catalog without one', () => {
    expect(Catalog.load(file(DEFAULT_CATALOG)).data).toEqual(DEFAULT_CATALOG);
    expect(Catalog.load(null).data).toEqual(DEFAULT_CATALOG);
  });

  it('stops with a reason that names the file and the place of the mistake', () => {
    expect(() => Catalog.load(file('{ not json'))).toThrow(/could not be read as JSON/);
    const [first, ...rest] = DEFAULT_CATALOG.plans;
    const noName = { ...DEFAULT_CATALOG, plans: [{ ...first, name: undefined }, ...rest] };
    expect(() => Catalog.load(file(noName))).toThrow(/invalid at \/plans\/0/);
    const twice = { ...DEFAULT_CATALOG, packs: [...DEFAULT_CATALOG.packs, { ...DEFAULT_CATALOG.packs[0] }] };
    expect(() => Catalog.load(file(twice))).toThrow(/"pack-500" is named twice/);
    const fine = { ...DEFAULT_CATALOG, plans: [{ ...first, creditsPerPeriod: 1.2345 }, ...rest] };
    expect(() => Catalog.load(file(fine))).toThrow(/more than 3 decimals/);
  });

  it('holds every plan and pack amount in millicredits once loaded', () => {
    const catalog = new Catalog(DEFAULT_CATALOG);
    expect(catalog.plan('growth')).toMatchObject({
      creditsPerPeriod: 5_000_000,
      rollover: { kind: 'rollover', cap: 2_500_000 },
      overageLimit: 100_000,
    });
    expect(catalog.pack('pack-500').credits).toBe(500_000);
  });

  it('lists the plans above a plan, cheapest first, and falls back to the free plan', () => {
    const catalog = new Catalog(DEFAULT_CATALOG);
    expect(catalog.plansAbove('free').map((p) => p.id)).toEqual(['starter', 'growth', 'scale']);
    expect(catalog.plansAbove('scale')).toEqual([]);
    expect(catalog.fallbackPlan().id).toBe('free');
    expect(catalog.planOrFallback('retired').id).toBe('free');
  });
});
