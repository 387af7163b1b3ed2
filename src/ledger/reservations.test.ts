import { expect, it } from 'vitest';
import { SECOND, TestClock } from '../../test/support/clock.ts';
import { workspaceWithCredits } from '../../test/support/ledger.ts';
import { refusal } from '../../test/support/refusal.ts';
import { describeStores } from '../../test/support/stores.ts';
import { getBalance } from './balance.ts';
import { chargeResponse, type ResponseInput } from './charge-response.ts';
import { checkCredits } from './check-credits.ts';
import { releaseReservation, reserveCredits } from './reservations.ts';
import { getStatement } from './statement.ts';
import { verifyLedger } from './verify-ledger.ts';

describeStores('reserving credits before a response', (ctx) => {
  const workspaceWith = (credits: number, clock: TestClock, overageLimit = 0) =>
    workspaceWithCredits(ctx.store, credits, clock.now(), { overageLimit, source: 'purchase', reason: 'pack' });

  const response = (workspaceId: string, id: string, extra: Partial<ResponseInput> = {}): ResponseInput => ({
    workspaceId,
    id,
    conversationId: `conv-${id}`,
    channel: 'call',
    agentId: 'agent-1',
    ...extra,
  });

  it('keeps held credits from being spent or reserved by anyone else', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(2, clock);
    const { hold } = await reserveCredits(ctx.store, { workspaceId: ws, count: 2, ttlSeconds: 60 }, clock.now());
    expect(hold.amount).toBe(2000);

    const balance = await getBalance(ctx.store, ws, clock.now());
    expect({ available: balance.available, held: balance.held }).toEqual({ available: 0, held: 2000 });
    expect((await checkCredits(ctx.store, { workspaceId: ws }, clock.now())).allowed).toBe(false);
    expect((await refusal(chargeResponse(ctx.store, response(ws, 'other'), clock.now()))).code).toBe(
      'insufficient_credits',
    );
    expect((await refusal(reserveCredits(ctx.store, { workspaceId: ws }, clock.now()))).code).toBe(
      'insufficient_credits',
    );

    // The holder itself can spend what it set aside.
    const committed = await chargeResponse(ctx.store, response(ws, 'mine', { reservationId: hold.id }), clock.now());
    expect(committed).toMatchObject({ cost: 1000, available: 1000, replayed: false });
    expect(await ctx.store.reader().findResponse(ws, 'other')).toBeNull();
    expect((await verifyLedger(ctx.store)).differences).toEqual([]);
  });

  it('stops holding at the instant the hold expires, with no sweeper', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(1, clock);
    const { hold } = await reserveCredits(ctx.store, { workspaceId: ws, ttlSeconds: 30 }, clock.now());
    expect(hold.expiresAt.getTime()).toBe(clock.now().getTime() + 30 * SECOND);

    const justBefore = new Date(hold.expiresAt.getTime() - 1);
    expect((await getBalance(ctx.store, ws, justBefore)).held).toBe(1000);
    expect((await refusal(chargeResponse(ctx.store, response(ws, 'early'), justBefore))).code).toBe(
      'insufficient_credits',
    );

    const expired = await getBalance(ctx.store, ws, hold.expiresAt);
    expect({ available: expired.available, held: expired.held }).toEqual({ available: 1000, held: 0 });
    expect((await checkCredits(ctx.store, { workspaceId: ws }, hold.expiresAt)).allowed).toBe(true);
    const charged = await chargeResponse(ctx.store, response(ws, 'after-expiry'), hold.expiresAt);
    expect(charged).toMatchObject({ cost: 1000, available: 0 });
  });

  it('lets a commit cost more than was held, paid from credits nobody holds', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(3, clock);
    const { hold } = await reserveCredits(ctx.store, { workspaceId: ws }, clock.now());
    const result = await chargeResponse(
      ctx.store,
      response(ws, 'premium', { reservationId: hold.id, features: ['voice:elevenlabs'] }),
      clock.now(),
    );
    expect(result).toMatchObject({ cost: 1500, available: 1500 });
    const balance = await getBalance(ctx.store, ws, clock.now());
    expect({ available: balance.available, held: balance.held }).toEqual({ available: 1500, held: 0 });
  });

  it('refuses a commit that costs more than held plus free credits, and leaves the hold in place', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(2, clock);
    const { hold: mine } = await reserveCredits(ctx.store, { workspaceId: ws }, clock.now());
    await reserveCredits(ctx.store, { workspaceId: ws }, clock.now());

    const error = await refusal(
      chargeResponse(
        ctx.store,
        response(ws, 'premium', { reservationId: mine.id, features: ['voice:elevenlabs'] }),
        clock.now(),
      ),
    );
    expect(error.code).toBe('insufficient_credits');
    expect(error.details).toMatchObject({ cost: 1.5, reserved: 1 });
    expect((await ctx.store.reader().findHold(ws, mine.id))?.status).toBe('held');
    expect(await ctx.store.reader().findResponse(ws, 'premium')).toBeNull();

    // The hold still pays for what it covers.
    const plain = await chargeResponse(ctx.store, response(ws, 'plain', { reservationId: mine.id }), clock.now());
    expect(plain).toMatchObject({ cost: 1000, available: 0 });
    expect((await verifyLedger(ctx.store)).differences).toEqual([]);
  });

  it('refuses committing a reservation twice, but answers a retry of the same commit with its first result', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(5, clock);
    const { hold } = await reserveCredits(ctx.store, { workspaceId: ws }, clock.now());
    const first = await chargeResponse(ctx.store, response(ws, 'r1', { reservationId: hold.id }), clock.now());

    const second = await refusal(
      chargeResponse(ctx.store, response(ws, 'r2', { reservationId: hold.id }), clock.advance(SECOND)),
    );
    expect(second.code).toBe('conflict');
    expect(second.details).toMatchObject({ status: 'committed' });

    const retry = await chargeResponse(ctx.store, response(ws, 'r1', { reservationId: hold.id }), clock.now());
    expect(retry).toEqual({ ...first, replayed: true });
    expect((await getBalance(ctx.store, ws, clock.now())).available).toBe(4000);
    const charges = (await getStatement(ctx.store, ws, null, 100)).lines.filter((l) => l.kind === 'charge');
    expect(charges.map((l) => l.responseId)).toEqual(['r1']);
  });

  it('refuses to release a committed reservation, pointing to a refund instead', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(5, clock);
    const { hold } = await reserveCredits(ctx.store, { workspaceId: ws }, clock.now());
    await chargeResponse(ctx.store, response(ws, 'r1', { reservationId: hold.id }), clock.now());
    const error = await refusal(releaseReservation(ctx.store, ws, hold.id, clock.now()));
    expect(error.code).toBe('conflict');
    expect(error.message).toMatch(/refund/);
  });

  it('gives held credits back on release, and releasing again changes nothing', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(3, clock);
    const { hold } = await reserveCredits(ctx.store, { workspaceId: ws, count: 2 }, clock.now());
    expect((await getBalance(ctx.store, ws, clock.now())).available).toBe(1000);

    const first = await releaseReservation(ctx.store, ws, hold.id, clock.now());
    expect(first).toMatchObject({ released: 2000, hold: { status: 'released' } });
    expect((await getBalance(ctx.store, ws, clock.now())).available).toBe(3000);

    const again = await releaseReservation(ctx.store, ws, hold.id, clock.advance(SECOND));
    expect(again).toMatchObject({ released: 0, hold: { status: 'released' } });
    expect((await getBalance(ctx.store, ws, clock.now())).available).toBe(3000);

    // A released hold can no longer be committed.
    const commit = await refusal(
      chargeResponse(ctx.store, response(ws, 'late', { reservationId: hold.id }), clock.now()),
    );
    expect(commit).toMatchObject({ code: 'conflict', details: { status: 'released' } });
  });

  it('releases an expired hold without giving anything back twice', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(1, clock);
    const { hold } = await reserveCredits(ctx.store, { workspaceId: ws, ttlSeconds: 5 }, clock.now());
    const released = await releaseReservation(ctx.store, ws, hold.id, clock.advance(10 * SECOND));
    expect(released.released).toBe(0);
    expect((await getBalance(ctx.store, ws, clock.now())).available).toBe(1000);
  });

  it('pays a commit on an expired hold from free credits alone', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(1, clock);
    const { hold: stale } = await reserveCredits(ctx.store, { workspaceId: ws, ttlSeconds: 5 }, clock.now());
    clock.advance(10 * SECOND);
    const { hold: fresh } = await reserveCredits(ctx.store, { workspaceId: ws }, clock.now());

    // The only credit is now held by someone else, so the stale hold cannot pay.
    const refused = await refusal(
      chargeResponse(ctx.store, response(ws, 'r1', { reservationId: stale.id }), clock.now()),
    );
    expect(refused.code).toBe('insufficient_credits');
    await releaseReservation(ctx.store, ws, fresh.id, clock.now());
    const charged = await chargeResponse(ctx.store, response(ws, 'r1', { reservationId: stale.id }), clock.now());
    expect(charged).toMatchObject({ cost: 1000, available: 0 });
  });

  it('creates one hold for a repeated idempotency key and refuses the key for a different reservation', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(5, clock);
    const first = await reserveCredits(ctx.store, { workspaceId: ws, count: 2, idempotencyKey: 'k1' }, clock.now());
    const again = await reserveCredits(ctx.store, { workspaceId: ws, count: 2, idempotencyKey: 'k1' }, clock.now());
    expect(again).toEqual({ hold: first.hold, replayed: true });
    expect((await getBalance(ctx.store, ws, clock.now())).held).toBe(2000);
    const conflict = await refusal(
      reserveCredits(ctx.store, { workspaceId: ws, count: 3, idempotencyKey: 'k1' }, clock.now()),
    );
    expect(conflict.code).toBe('idempotency_conflict');
  });

  it('refuses a reservation the workspace cannot pay for and holds nothing', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(1, clock);
    const error = await refusal(
      reserveCredits(ctx.store, { workspaceId: ws, features: ['voice:elevenlabs'] }, clock.now()),
    );
    expect(error.code).toBe('insufficient_credits');
    expect((await getBalance(ctx.store, ws, clock.now())).held).toBe(0);
  });

  it('lets holds use the overage allowance, but no further', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(1, clock, 1000);
    await reserveCredits(ctx.store, { workspaceId: ws, count: 2 }, clock.now());
    expect((await getBalance(ctx.store, ws, clock.now())).available).toBe(-1000);
    expect((await refusal(reserveCredits(ctx.store, { workspaceId: ws }, clock.now()))).code).toBe(
      'insufficient_credits',
    );
  });

  it('refuses a time-to-live outside 1 second to 1 hour and an unknown reservation', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(1, clock);
    for (const ttlSeconds of [0, 3601, 1.5]) {
      const error = await refusal(reserveCredits(ctx.store, { workspaceId: ws, ttlSeconds }, clock.now()));
      expect(error.details).toEqual({ field: 'ttlSeconds' });
    }
    expect((await refusal(releaseReservation(ctx.store, ws, 'rsv_missing', clock.now()))).code).toBe('not_found');
    const commit = await refusal(
      chargeResponse(ctx.store, response(ws, 'r', { reservationId: 'rsv_missing' }), clock.now()),
    );
    expect(commit.code).toBe('not_found');
  });
});
