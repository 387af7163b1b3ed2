import fc from 'fast-check';
import { expect, it } from 'vitest';
import { DAY, HOUR, MINUTE, TestClock } from '../../test/support/clock.ts';
import { contextAt } from '../../test/support/context.ts';
import { describeStores } from '../../test/support/stores.ts';
import type { Millicredits } from '../domain/amounts.ts';
import { TallyError } from '../domain/errors.ts';
import { isExpired } from '../domain/grants.ts';
import type { Hold, Store } from '../store/store.ts';
import { getBalance } from './balance.ts';
import { ChargeCoalescer } from './charge-coalescer.ts';
import { type ChargeResult, chargeBatch, chargeResponse, type ResponseInput } from './charge-response.ts';
import { type GrantInput, grantCredits } from './grant-credits.ts';
import { refundResponse } from './refund-response.ts';
import { releaseReservation, reserveCredits } from './reservations.ts';
import { sweepExpired } from './sweep-expired.ts';
import { verifyLedger } from './verify-ledger.ts';
import { createWorkspace } from './workspaces.ts';

/*
 * Random histories of one workspace: grants (some expiring soon, some not yet in effect, some
 * retried), charges (plain, premium voice, an unknown feature; some retried), refunds, holds that
 * are committed, released or left to expire, and the clock jumping to and past expiries. Charges
 * come one by one, in batches (`chargeBatch`) and as bursts that `ChargeCoalescer` groups; all three
 * are checked against the same model of one charge after another. After every step the balance must
 * have moved exactly as that step says; after every history the books must balance and every
 * grant's credits must be accounted for.
 */

type Features = string[];

/** One charge: a new response, a retry of one charged before, or the commit of a hold. */
type Charge =
  | { kind: 'charge'; conversation: number; features: Features }
  | { kind: 'retry-charge'; pick: number }
  | { kind: 'commit'; pick: number; conversation: number; features: Features };

/** In a batch or a burst, also the same response again, as an earlier item of the group. */
type GroupCharge = Charge | { kind: 'repeat'; pick: number };

type Op =
  | { kind: 'grant'; amount: number; priority: number; delayMs: number; lifetimeMs: number | null }
  | { kind: 'retry-grant'; pick: number }
  | Charge
  | { kind: 'batch' | 'burst'; charges: GroupCharge[] }
  | { kind: 'refund'; pick: number }
  | { kind: 'reserve'; count: number; features: Features; ttlSeconds: number }
  | { kind: 'release'; pick: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'to-next-expiry' }
  | { kind: 'sweep' };

const PREMIUM = 'voice:elevenlabs';
const COST = { base: 1000, [PREMIUM]: 500 } as const;

const pick = fc.nat({ max: 1000 });
const features: fc.Arbitrary<Features> = fc.oneof(
  { weight: 5, arbitrary: fc.constant<Features>([]) },
  { weight: 4, arbitrary: fc.constant<Features>([PREMIUM]) },
  { weight: 1, arbitrary: fc.constant<Features>(['voice:unknown']) },
);
const newCharge = fc.record({ kind: fc.constant('charge' as const), conversation: fc.nat({ max: 5 }), features });
const retryCharge = fc.record({ kind: fc.constant('retry-charge' as const), pick });
const commitCharge = fc.record({
  kind: fc.constant('commit' as const),
  pick,
  conversation: fc.nat({ max: 5 }),
  features,
});
const groupCharges: fc.Arbitrary<GroupCharge[]> = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: newCharge },
    { weight: 2, arbitrary: retryCharge },
    { weight: 2, arbitrary: commitCharge },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('repeat' as const), pick }) },
  ),
  { minLength: 1, maxLength: 8 },
);
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('grant' as const),
      amount: fc.oneof(fc.integer({ min: 1, max: 12_000 }), fc.constantFrom(1000, 1500, 5000)),
      priority: fc.integer({ min: -2, max: 2 }),
      delayMs: fc.oneof(
        { weight: 3, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 * DAY }) },
      ),
      lifetimeMs: fc.option(fc.oneof(fc.integer({ min: MINUTE, max: HOUR }), fc.integer({ min: HOUR, max: 5 * DAY })), {
        nil: null,
      }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retry-grant' as const), pick }) },
  { weight: 8, arbitrary: newCharge },
  { weight: 3, arbitrary: retryCharge },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('batch' as const), charges: groupCharges }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('burst' as const), charges: groupCharges }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('refund' as const), pick }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('reserve' as const),
      count: fc.integer({ min: 1, max: 3 }),
      features,
      ttlSeconds: fc.oneof(fc.integer({ min: 1, max: 120 }), fc.integer({ min: 1, max: 3600 })),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), pick }) },
  { weight: 3, arbitrary: commitCharge },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.oneof(fc.integer({ min: 1, max: 10 * MINUTE }), fc.integer({ min: 1, max: 2 * DAY })),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'to-next-expiry' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'sweep' as const }) },
);

const scenario = fc.record({
  overageLimit: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4000 })),
  ops: fc.array(op, { minLength: 1, maxLength: 30, size: 'max' }),
});

function priceOf(list: Features, count = 1): Millicredits | null {
  let unit: number = COST.base;
  for (const feature of list) {
    if (feature !== PREMIUM) return null;
    unit += COST[PREMIUM];
  }
  return unit * count;
}

function conversationOf(workspaceId: string, index: number, id: string, list: Features): ResponseInput {
  // Even conversations are calls, odd ones chats, so a conversation never changes channel.
  const channel = index % 2 === 0 ? 'call' : 'chat';
  return {
    workspaceId,
    id,
    conversationId: `${channel}-${index}`,
    channel,
    agentId: `agent-${index % 3}`,
    features: list,
  };
}

type Attempt<T> = { ok: true; value: T } | { ok: false; error: TallyError };

async function attempt<T>(run: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    if (error instanceof TallyError) return { ok: false, error };
    throw error;
  }
}

/** One charge after another, each paid or refused on its own: what every way of charging must do. */
interface ChargeModel {
  available: Millicredits;
  overageLimit: Millicredits;
  /** Every id charged so far: charging one again replays it. */
  charged: Set<string>;
  /** The holds the step commits, as they stood when it began; a commit closes one. */
  holds: Map<string, Hold>;
  now: Date;
}

/** Checks one charge's outcome against the model and moves the model on; true when it charged. */
function expectCharge(model: ChargeModel, input: ResponseInput, outcome: Attempt<ChargeResult> | undefined): boolean {
  if (model.charged.has(input.id)) {
    // A retried id never charges again, whatever happened since (refunds, expiries, new grants).
    expect(outcome?.ok && outcome.value.replayed).toBe(true);
    return false;
  }
  const cost = priceOf(input.features ?? []);
  const hold = input.reservationId ? model.holds.get(input.reservationId) : undefined;
  const holdOpen = !input.reservationId || hold?.status === 'held';
  const held = hold && holdOpen && hold.expiresAt.getTime() > model.now.getTime() ? hold.amount : 0;
  const affordable = cost !== null && holdOpen && model.available + held - cost >= -model.overageLimit;
  expect(outcome?.ok).toBe(affordable);
  if (!outcome?.ok) {
    const expectedCode = cost === null ? 'invalid_request' : holdOpen ? 'insufficient_credits' : 'conflict';
    expect(outcome?.error.code).toBe(expectedCode);
    return false;
  }
  model.available += held - (cost ?? 0);
  expect(outcome.value).toMatchObject({ cost, available: model.available, replayed: false });
  model.charged.add(input.id);
  if (hold) hold.status = 'committed';
  return true;
}

/** Charges one by one, as one batch, or as a burst that a coalescer groups, in the inputs' order. */
async function chargeAll(
  store: Store,
  way: 'one' | 'batch' | 'burst',
  workspaceId: string,
  inputs: readonly ResponseInput[],
  now: Date,
): Promise<Attempt<ChargeResult>[]> {
  if (way === 'batch') {
    const results = await chargeBatch({ ctx: contextAt(store, now), input: { workspaceId, responses: inputs } });
    return results.map((item) => (item.ok ? { ok: true, value: item.result } : item));
  }
  if (way === 'burst') {
    // All arrive before the first commits: the first goes alone, the others wait and go together.
    const coalescer = new ChargeCoalescer({ ctx: contextAt(store, now) });
    return Promise.all(inputs.map((input) => attempt(() => coalescer.charge(input))));
  }
  const outcomes: Attempt<ChargeResult>[] = [];
  for (const input of inputs) outcomes.push(await attempt(() => chargeResponse({ ctx: contextAt(store, now), input })));
  return outcomes;
}

async function ledgerLineCount(store: Store, workspaceId: string): Promise<number> {
  const row = await store.db
    .selectFrom('ledger_lines')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** What live holds set aside that were taken before a grant expired: the expiry may have left them unbacked. */
async function unbackedHolds(
  store: Store,
  ws: string,
  grants: readonly GrantInput[],
  now: Date,
): Promise<Millicredits> {
  const passed = grants
    .map((grant) => grant.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY)
    .filter((at) => at <= now.getTime());
  if (passed.length === 0) return 0;
  const holds = await store.db
    .selectFrom('holds')
    .selectAll()
    .where('workspace_id', '=', ws)
    .where('status', '=', 'held')
    .where('expires_at', '>', now.getTime())
    .where('created_at', '<', Math.max(...passed))
    .execute();
  return holds.reduce((total, hold) => total + Number(hold.amount), 0);
}

/** Plays one history and checks each step's effect on the balance as it goes. */
async function play(store: Store, overageLimit: Millicredits, ops: readonly Op[]): Promise<string> {
  const clock = new TestClock('2026-11-01T12:00:00Z');
  const ws = (
    await createWorkspace({ ctx: contextAt(store, clock.now()), input: { name: 'Prop', plan: 'payg', overageLimit } })
  ).id;
  const grants: GrantInput[] = [];
  const charged: ResponseInput[] = [];
  const holds: string[] = [];
  const expiries: number[] = [];
  let counter = 0;

  const available = async () =>
    (await getBalance({ ctx: contextAt(store, clock.now()), input: { workspaceId: ws } })).available;
  /** The response a charge sends; null when it names a hold or an earlier charge and there is none. */
  const chargeInput = (item: GroupCharge, earlier: readonly ResponseInput[]): ResponseInput | null => {
    switch (item.kind) {
      case 'charge':
        return conversationOf(ws, item.conversation, `r${counter++}`, item.features);
      case 'commit': {
        const holdId = holds[item.pick % Math.max(1, holds.length)];
        if (!holdId) return null;
        return { ...conversationOf(ws, item.conversation, `r${counter++}`, item.features), reservationId: holdId };
      }
      case 'retry-charge':
        return charged[item.pick % Math.max(1, charged.length)] ?? null;
      case 'repeat':
        return earlier[item.pick % Math.max(1, earlier.length)] ?? null;
    }
  };

  for (const step of ops) {
    const now = clock.now();
    const before = await available();
    const linesBefore = await ledgerLineCount(store, ws);
    /** What the step should do to the balance at this same instant; null when the step moves time. */
    let expectedChange: number | null = 0;
    let refused = false;

    switch (step.kind) {
      case 'grant': {
        const effectiveAt = new Date(now.getTime() + step.delayMs);
        const input: GrantInput = {
          workspaceId: ws,
          id: `g${counter++}`,
          amount: step.amount,
          source: 'purchase',
          reason: 'property',
          priority: step.priority,
          ...(step.delayMs > 0 ? { effectiveAt } : {}),
          expiresAt: step.lifetimeMs === null ? null : new Date(effectiveAt.getTime() + step.lifetimeMs),
        };
        const result = await grantCredits({ ctx: contextAt(store, now), input });
        expect(result.replayed).toBe(false);
        grants.push(input);
        if (input.expiresAt) expiries.push(input.expiresAt.getTime());
        expectedChange = step.delayMs === 0 ? step.amount : 0;
        break;
      }
      case 'retry-grant': {
        const input = grants[step.pick % Math.max(1, grants.length)];
        if (!input) continue;
        const result = await grantCredits({ ctx: contextAt(store, now), input });
        expect(result.replayed).toBe(true);
        break;
      }
      case 'charge':
      case 'commit':
      case 'retry-charge':
      case 'batch':
      case 'burst': {
        const group: readonly GroupCharge[] = 'charges' in step ? step.charges : [step];
        const inputs: ResponseInput[] = [];
        for (const item of group) {
          const input = chargeInput(item, inputs);
          if (input) inputs.push(input);
        }
        if (inputs.length === 0) continue;
        const model: ChargeModel = {
          available: before,
          overageLimit,
          charged: new Set(charged.map((input) => input.id)),
          holds: new Map(),
          now,
        };
        for (const { reservationId } of inputs) {
          const hold = reservationId ? await store.reader().findHold(ws, reservationId) : null;
          if (hold) model.holds.set(hold.id, hold);
        }
        const way = step.kind === 'batch' || step.kind === 'burst' ? step.kind : 'one';
        const outcomes = await chargeAll(store, way, ws, inputs, now);
        expect(outcomes).toHaveLength(inputs.length);
        for (const [i, input] of inputs.entries()) {
          if (expectCharge(model, input, outcomes[i])) charged.push(input);
        }
        expectedChange = model.available - before;
        // A refused single charge writes nothing. A group's transaction commits whatever its other items
        // did, and may write off what expired meanwhile: there, no refused response may have been recorded.
        refused = way === 'one' && outcomes.every((outcome) => !outcome.ok);
        for (const input of inputs.filter(({ id }) => !model.charged.has(id))) {
          expect(await store.reader().findResponse(ws, input.id)).toBeNull();
        }
        break;
      }
      case 'refund': {
        const input = charged[step.pick % Math.max(1, charged.length)];
        if (!input) continue;
        const response = await store.reader().findResponse(ws, input.id);
        if (!response) throw new Error(`charged response ${input.id} is missing`);
        const result = await refundResponse({
          ctx: contextAt(store, now),
          input: { workspaceId: ws, responseId: input.id, reason: 'property refund' },
        });
        expect(result.replayed).toBe(response.status === 'refunded');
        expect(result.refunded).toBe(response.cost);
        if (response.status === 'charged') {
          // Credits go back to their grants, except those of grants that have expired since.
          let back = response.draws.overage;
          for (const draw of response.draws.grants) {
            const grant = await store.reader().findGrant(ws, draw.grantId);
            if (grant && !isExpired(grant, now)) back += draw.amount;
          }
          expectedChange = back;
        }
        break;
      }
      case 'reserve': {
        const cost = priceOf(step.features, step.count);
        const result = await attempt(() =>
          reserveCredits({
            ctx: contextAt(store, now),
            input: { workspaceId: ws, count: step.count, features: step.features, ttlSeconds: step.ttlSeconds },
          }),
        );
        expect(result.ok).toBe(cost !== null && before - cost >= -overageLimit);
        if (result.ok) {
          holds.push(result.value.hold.id);
          expiries.push(result.value.hold.expiresAt.getTime());
          expectedChange = -(cost ?? 0);
        } else {
          refused = true;
        }
        break;
      }
      case 'release': {
        const holdId = holds[step.pick % Math.max(1, holds.length)];
        if (!holdId) continue;
        const hold = await store.reader().findHold(ws, holdId);
        if (!hold) throw new Error(`hold ${holdId} is missing`);
        const result = await attempt(() =>
          releaseReservation({ ctx: contextAt(store, now), input: { workspaceId: ws, reservationId: holdId } }),
        );
        if (hold.status === 'committed') {
          expect(result.ok).toBe(false);
          refused = true;
        } else {
          const live = hold.status === 'held' && hold.expiresAt.getTime() > now.getTime();
          expect(result.ok && result.value.released).toBe(live ? hold.amount : 0);
          expectedChange = live ? hold.amount : 0;
        }
        break;
      }
      case 'advance':
        clock.advance(step.ms);
        expectedChange = null;
        break;
      case 'to-next-expiry': {
        const next = expiries.filter((at) => at > now.getTime()).sort((a, b) => a - b)[0];
        if (next === undefined) continue;
        clock.set(new Date(next));
        expectedChange = null;
        break;
      }
      case 'sweep':
        await sweepExpired({ ctx: contextAt(store, now) });
        break;
    }

    const after = await available();
    if (expectedChange !== null) expect(after - before).toBe(expectedChange);
    if (refused) expect(await ledgerLineCount(store, ws)).toBe(linesBefore);
    // Nothing is ever spent below what the overage rule allows: the debt stays within the limit.
    const balance = await getBalance({ ctx: contextAt(store, clock.now()), input: { workspaceId: ws } });
    expect(balance.overageDebt).toBeGreaterThanOrEqual(0);
    expect(balance.overageDebt).toBeLessThanOrEqual(overageLimit);
    expect(balance.available + balance.held).toBeGreaterThanOrEqual(-overageLimit);
    // The available balance stays within the rule too, except by the amount of live holds whose
    // credits expired under them (a hold keeps its claim until it ends).
    const unbacked = await unbackedHolds(store, ws, grants, clock.now());
    expect(balance.available).toBeGreaterThanOrEqual(-overageLimit - unbacked);
  }
  return ws;
}

/** Every grant's credits are accounted for, every response paid exactly its cost, and the books balance. */
async function checkBooks(store: Store, ws: string): Promise<void> {
  const grants = await store.db.selectFrom('grants').selectAll().where('workspace_id', '=', ws).execute();
  const lines = await store.db
    .selectFrom('ledger_lines')
    .selectAll()
    .where('workspace_id', '=', ws)
    .orderBy('seq')
    .execute();
  const sum = (kinds: string[], filter: (line: (typeof lines)[number]) => boolean) =>
    lines
      .filter((line) => kinds.includes(line.kind) && filter(line))
      .reduce((total, line) => total + Number(line.amount), 0);

  for (const grant of grants) {
    const own = (line: (typeof lines)[number]) => line.grant_id === grant.id;
    const granted = lines.filter((line) => own(line) && line.kind === 'grant');
    expect(granted.map((line) => Number(line.amount))).toEqual([Number(grant.amount)]);
    const spent = -sum(['charge', 'settle', 'refund'], own);
    const expired = -sum(['expire'], own);
    expect(spent).toBeGreaterThanOrEqual(0);
    expect(expired).toBeGreaterThanOrEqual(0);
    expect(Number(grant.amount)).toBe(Number(grant.remaining) + spent + expired);
    // Credits are only ever spent from a grant while it is live: in effect and not yet expired.
    for (const line of lines.filter((l) => own(l) && (l.kind === 'charge' || l.kind === 'settle'))) {
      expect(Number(line.at)).toBeGreaterThanOrEqual(Number(grant.effective_at));
      expect(Number(line.at)).toBeLessThan(
        grant.expires_at === null ? Number.POSITIVE_INFINITY : Number(grant.expires_at),
      );
    }
  }

  const responses = await store.db.selectFrom('responses').selectAll().where('workspace_id', '=', ws).execute();
  for (const response of responses) {
    const own = (line: (typeof lines)[number]) => line.response_id === response.id;
    expect(-sum(['charge'], own)).toBe(Number(response.cost));
    const returned = sum(['refund'], own);
    const adjustment = grants
      .filter((grant) => grant.source === 'adjustment' && grant.reason.includes(`response ${response.id}:`))
      .reduce((total, grant) => total + Number(grant.amount), 0);
    expect(returned + adjustment).toBe(response.status === 'refunded' ? Number(response.cost) : 0);
  }

  const account = await store.db.selectFrom('workspaces').selectAll().where('id', '=', ws).executeTakeFirstOrThrow();
  // The statement's running balance ends at what the grants hold less what is owed.
  const ledgerBalance =
    grants.reduce((total, grant) => total + Number(grant.remaining), 0) - Number(account.overage_debt);
  expect(lines.length === 0 ? 0 : Number(lines.at(-1)?.balance_after)).toBe(ledgerBalance);
}

/** Modest so the file runs in seconds; TALLY_PROPERTY_SCALE=20 explores deeper. */
const SCALE = Number(process.env.TALLY_PROPERTY_SCALE ?? 1);
const RUNS = { sqlite: 60 * SCALE, postgres: 25 * SCALE } as const;

describeStores('credits are conserved under any history', (ctx) => {
  it(
    'accounts for every granted credit and charges a retried id once, charged one by one, in batches or coalesced',
    async () => {
      await fc.assert(
        fc.asyncProperty(scenario, async ({ overageLimit, ops }) => {
          const ws = await play(ctx.store, overageLimit, ops);
          await checkBooks(ctx.store, ws);
          expect((await verifyLedger({ ctx })).differences).toEqual([]);
        }),
        { numRuns: RUNS[ctx.kind] },
      );
    },
    60_000 * SCALE,
  );
});
