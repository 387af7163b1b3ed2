import { readFileSync } from 'node:fs';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { creditsToMillicredits, type Millicredits } from '../domain/amounts.ts';
import { TallyError } from '../domain/errors.ts';
import { classifyPlanChange, type PlanTerms } from '../domain/plan-rules.ts';

const PlanSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9-]{1,64}$' }),
    name: Type.String({ minLength: 1 }),
    monthlyPrice: Type.Number({ minimum: 0, description: 'In the currency below, e.g. 29 for $29.00.' }),
    currency: Type.String({ pattern: '^[a-z]{3}$' }),
    creditsPerPeriod: Type.Number({ minimum: 0 }),
    agents: Type.Integer({ minimum: 1 }),
    rollover: Type.Union([
      Type.Object({ kind: Type.Literal('expire') }, { additionalProperties: false }),
      Type.Object(
        { kind: Type.Literal('rollover'), cap: Type.Number({ minimum: 0 }) },
        { additionalProperties: false },
      ),
    ]),
    overageLimit: Type.Number({ minimum: 0, description: 'Credits the balance may go below zero; 0 blocks.' }),
    stripePriceId: Type.Optional(
      Type.String({
        pattern: '^price_[A-Za-z0-9]+$',
        description: 'A recurring monthly Stripe Price to bill; without one, Checkout is given the price inline.',
      }),
    ),
  },
  { additionalProperties: false },
);

const PackSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9-]{1,64}$' }),
    name: Type.String({ minLength: 1 }),
    credits: Type.Number({ exclusiveMinimum: 0 }),
    price: Type.Number({ minimum: 0 }),
    currency: Type.String({ pattern: '^[a-z]{3}$' }),
    validityMonths: Type.Integer({ minimum: 1, maximum: 120 }),
    stripePriceId: Type.Optional(Type.String({ pattern: '^price_[A-Za-z0-9]+$' })),
  },
  { additionalProperties: false },
);

export const CatalogSchema = Type.Object(
  { plans: Type.Array(PlanSchema, { minItems: 1 }), packs: Type.Array(PackSchema) },
  { additionalProperties: false },
);

/** The catalog as its file gives it: amounts in decimal credits. */
export type CatalogData = Static<typeof CatalogSchema>;
type PlanData = Static<typeof PlanSchema>;
type PackData = Static<typeof PackSchema>;

/** A plan as Tally uses it: its amounts in millicredits, converted once when the catalog loads. */
export interface Plan extends Omit<PlanData, 'creditsPerPeriod' | 'rollover' | 'overageLimit'>, PlanTerms {
  creditsPerPeriod: Millicredits;
  overageLimit: Millicredits;
}

/** A pack as Tally uses it: its credits in millicredits. */
export interface Pack extends Omit<PackData, 'credits'> {
  credits: Millicredits;
}

/** Shipped when the operator gives no catalog file: a free plan, three paid ones, three packs. */
export const DEFAULT_CATALOG: CatalogData = {
  plans: [
    {
      id: 'free',
      name: 'Free',
      monthlyPrice: 0,
      currency: 'usd',
      creditsPerPeriod: 50,
      agents: 1,
      rollover: { kind: 'expire' },
      overageLimit: 0,
    },
    {
      id: 'starter',
      name: 'Starter',
      monthlyPrice: 29,
      currency: 'usd',
      creditsPerPeriod: 1000,
      agents: 3,
      rollover: { kind: 'expire' },
      overageLimit: 0,
    },
    {
      id: 'growth',
      name: 'Growth',
      monthlyPrice: 99,
      currency: 'usd',
      creditsPerPeriod: 5000,
      agents: 10,
      rollover: { kind: 'rollover', cap: 2500 },
      overageLimit: 100,
    },
    {
      id: 'scale',
      name: 'Scale',
      monthlyPrice: 299,
      currency: 'usd',
      creditsPerPeriod: 20000,
      agents: 50,
      rollover: { kind: 'rollover', cap: 10000 },
      overageLimit: 1000,
    },
  ],
  packs: [
    { id: 'pack-500', name: '500 credits', credits: 500, price: 15, currency: 'usd', validityMonths: 12 },
    { id: 'pack-2000', name: '2,000 credits', credits: 2000, price: 50, currency: 'usd', validityMonths: 12 },
    { id: 'pack-10000', name: '10,000 credits', credits: 10000, price: 200, currency: 'usd', validityMonths: 12 },
  ],
};

export class Catalog {
  readonly plans: readonly Plan[];
  readonly packs: readonly Pack[];

  /** Checks what the schema cannot (unique ids, amounts that are whole millicredits) and converts the amounts once. */
  constructor(
    /** As the file gives it, in decimal credits: what it was built from, never used for amounts. */
    readonly data: CatalogData,
  ) {
    const ids = [...data.plans.map((p) => p.id), ...data.packs.map((p) => p.id)];
    const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
    if (duplicate) throw new Error(`"${duplicate}" is named twice`);
    this.plans = data.plans.map(
      (plan): Plan => ({
        ...plan,
        creditsPerPeriod: millicredits(plan.creditsPerPeriod, `plan ${plan.id} creditsPerPeriod`),
        rollover:
          plan.rollover.kind === 'rollover'
            ? { kind: 'rollover', cap: millicredits(plan.rollover.cap, `plan ${plan.id} rollover.cap`) }
            : { kind: 'expire' },
        overageLimit: millicredits(plan.overageLimit, `plan ${plan.id} overageLimit`),
      }),
    );
    this.packs = data.packs.map(
      (pack): Pack => ({ ...pack, credits: millicredits(pack.credits, `pack ${pack.id} credits`) }),
    );
  }

  /** Reads and validates the operator's catalog file (TALLY_PLANS_FILE), or the default; a bad file stops Tally with the reason. */
  static load(file: string | null): Catalog {
    if (!file) return new Catalog(DEFAULT_CATALOG);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new Error(`The plan catalog ${file} could not be read as JSON: ${(error as Error).message}`);
    }
    const first = Value.Errors(CatalogSchema, parsed).First();
    if (first) throw new Error(`The plan catalog ${file} is invalid at ${first.path || '/'}: ${first.message}.`);
    try {
      return new Catalog(parsed as CatalogData);
    } catch (error) {
      throw new Error(`The plan catalog ${file} is invalid: ${(error as Error).message}`);
    }
  }

  plan(id: string): Plan {
    const plan = this.plans.find((p) => p.id === id);
    if (!plan) {
      throw new TallyError(
        'invalid_request',
        `Unknown plan "${id}". Plans: ${this.plans.map((p) => p.id).join(', ')}.`,
        { field: 'plan' },
      );
    }
    return plan;
  }

  /** A workspace's plan, or the fallback plan when the operator has since removed it from the catalog. */
  planOrFallback(id: string): Plan {
    return this.plans.find((p) => p.id === id) ?? this.fallbackPlan();
  }

  assertExists(plan: string): void {
    this.plan(plan);
  }

  pack(id: string): Pack {
    const pack = this.packs.find((p) => p.id === id);
    if (!pack) {
      throw new TallyError(
        'invalid_request',
        `Unknown pack "${id}". Packs: ${this.packs.map((p) => p.id).join(', ') || 'none'}.`,
        { field: 'pack' },
      );
    }
    return pack;
  }

  /** Where a workspace goes when its paid subscription ends: the first free plan, else the first plan. */
  fallbackPlan(): Plan {
    const [first] = this.plans;
    if (!first) throw new Error('the catalog has no plans');
    return this.plans.find((p) => p.monthlyPrice === 0) ?? first;
  }

  /** The plans a move to would be an upgrade, cheapest first. */
  plansAbove(id: string): Plan[] {
    const current = this.planOrFallback(id);
    return this.plans
      .filter((plan) => classifyPlanChange(current, plan) === 'upgrade')
      .sort((a, b) => a.monthlyPrice - b.monthlyPrice || a.creditsPerPeriod - b.creditsPerPeriod);
  }
}

function millicredits(credits: number, what: string): number {
  try {
    return creditsToMillicredits(credits, what);
  } catch (error) {
    throw new Error((error as Error).message);
  }
}
