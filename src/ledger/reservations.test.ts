import { expect, it } from 'vitest';
import { SECOND, TestClock } from '../../test/support/clock.ts';
import { contextAt } from '../../test/support/context.ts';
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
    const { hold } = await reserveCredits({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, count: 2, ttlSeconds: 60 },
    });
    expect(hold.amount).toBe(2000);

    const balance = await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } });
    expect({ available: balance.available, held: balance.held }).toEqual({ available: 0, held: 2000 });
    expect((await checkCredits({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).allowed).toBe(
      false,
    );
    expect(
      (await refusal(chargeResponse({ ctx: contextAt(ctx.store, clock.now()), input: response(ws, 'other') }))).code,
    ).toBe('insufficient_credits');
    expect(
      (await refusal(reserveCredits({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } }))).code,
    ).toBe('insufficient_credits');

    // The holder itself can spend what it set aside.
    const committed = await chargeResponse({
      ctx: contextAt(ctx.store, clock.now()),
      input: response(ws, 'mine', { reservationId: hold.id }),
    });
    expect(committed).toMatchObject({ cost: 1000, available: 1000, replayed: false });
    expect(await ctx.store.reader().findResponse(ws, 'other')).toBeNull();
    expect((await verifyLedger({ ctx })).differences).toEqual([]);
  });

  it('stops holding at the instant the hold expires, with no sweeper', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(1, clock);
    const { hold } = await reserveCredits({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, ttlSeconds: 30 },
    });
    expect(hold.expiresAt.getTime()).toBe(clock.now().getTime() + 30 * SECOND);

    const justBefore = new Date(hold.expiresAt.getTime() - 1);
    expect((await getBalance({ ctx: contextAt(ctx.store, justBefore), input: { workspaceId: ws } })).held).toBe(1000);
    expect(
      (await refusal(chargeResponse({ ctx: contextAt(ctx.store, justBefore), input: response(ws, 'early') }))).code,
    ).toBe('insufficient_credits');

    const expired = await getBalance({ ctx: contextAt(ctx.store, hold.expiresAt), input: { workspaceId: ws } });
    expect({ available: expired.available, held: expired.held }).toEqual({ available: 1000, held: 0 });
    expect(
      (await checkCredits({ ctx: contextAt(ctx.store, hold.expiresAt), input: { workspaceId: ws } })).allowed,
    ).toBe(true);
    const charged = await chargeResponse({
      ctx: contextAt(ctx.store, hold.expiresAt),
      input: response(ws, 'after-expiry'),
    });
    expect(charged).toMatchObject({ cost: 1000, available: 0 });
  });

  it('lets a commit cost more than was held, paid from credits nobody holds', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(3, clock);
    const { hold } = await reserveCredits({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } });
    const result = await chargeResponse({
      ctx: contextAt(ctx.store, clock.now()),
      input: response(ws, 'premium', { reservationId: hold.id, features: ['voice:elevenlabs'] }),
    });
    expect(result).toMatchObject({ cost: 1500, available: 1500 });
    const balance = await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } });
    expect({ available: balance.available, held: balance.held }).toEqual({ available: 1500, held: 0 });
  });

  it('refuses a commit that costs more than held plus free credits, and leaves the hold in place', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(2, clock);
    const { hold: mine } = await reserveCredits({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } });
    await reserveCredits({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } });

    const error = await refusal(
      chargeResponse({
        ctx: contextAt(ctx.store, clock.now()),
        input: response(ws, 'premium', { reservationId: mine.id, features: ['voice:elevenlabs'] }),
      }),
    );
    expect(error.code).toBe('insufficient_credits');
    expect(error.details).toMatchObject({ cost: 1.5, reserved: 1 });
    expect((await ctx.store.reader().findHold(ws, mine.id))?.status).toBe('held');
    expect(await ctx.store.reader().findResponse(ws, 'premium')).toBeNull();

    // The hold still pays for what it covers.
    const plain = await chargeResponse({
      ctx: contextAt(ctx.store, clock.now()),
      input: response(ws, 'plain', { reservationId: mine.id }),
    });
    expect(plain).toMatchObject({ cost: 1000, available: 0 });
    expect((await verifyLedger({ ctx })).differences).toEqual([]);
  });

  it('refuses committing a reservation twice, but answers a retry of the same commit with its first result', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(5, clock);
    const { hold } = await reserveCredits({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } });
    const first = await chargeResponse({
      ctx: contextAt(ctx.store, clock.now()),
      input: response(ws, 'r1', { reservationId: hold.id }),
    });

    const second = await refusal(
      chargeResponse({
        ctx: contextAt(ctx.store, clock.advance(SECOND)),
        input: response(ws, 'r2', { reservationId: hold.id }),
      }),
    );
    expect(second.code).toBe('conflict');
    expect(second.details).toMatchObject({ status: 'committed' });

    const retry = await chargeResponse({
      ctx: contextAt(ctx.store, clock.now()),
      input: response(ws, 'r1', { reservationId: hold.id }),
    });
    expect(retry).toEqual({ ...first, replayed: true });
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).available).toBe(
      4000,
    );
    const charges = (await getStatement({ ctx, input: { workspaceId: ws, after: null, limit: 100 } })).lines.filter(
      (l) => l.kind === 'charge',
    );
    expect(charges.map((l) => l.responseId)).toEqual(['r1']);
  });

  it('refuses to release a committed reservation, pointing to a refund instead', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(5, clock);
    const { hold } = await reserveCredits({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } });
    await chargeResponse({
      ctx: contextAt(ctx.store, clock.now()),
      input: response(ws, 'r1', { reservationId: hold.id }),
    });
    const error = await refusal(
      releaseReservation({
        ctx: contextAt(ctx.store, clock.now()),
        input: { workspaceId: ws, reservationId: hold.id },
      }),
    );
    expect(error.code).toBe('conflict');
    expect(error.message).toMatch(/refund/);
  });

  it('gives held credits back on release, and releasing again changes nothing', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(3, clock);
    const { hold } = await reserveCredits({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, count: 2 },
    });
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).available).toBe(
      1000,
    );

    const first = await releaseReservation({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, reservationId: hold.id },
    });
    expect(first).toMatchObject({ released: 2000, hold: { status: 'released' } });
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).available).toBe(
      3000,
    );

    const again = await releaseReservation({
      ctx: contextAt(ctx.store, clock.advance(SECOND)),
      input: { workspaceId: ws, reservationId: hold.id },
    });
    expect(again).toMatchObject({ released: 0, hold: { status: 'released' } });
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).available).toBe(
      3000,
    );

    // A released hold can no longer be committed.
    const commit = await refusal(
      chargeResponse({
        ctx: contextAt(ctx.store, clock.now()),
        input: response(ws, 'late', { reservationId: hold.id }),
      }),
    );
    expect(commit).toMatchObject({ code: 'conflict', details: { status: 'released' } });
  });

  it('releases an expired hold without giving anything back twice', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(1, clock);
    const { hold } = await reserveCredits({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, ttlSeconds: 5 },
    });
    const released = await releaseReservation({
      ctx: contextAt(ctx.store, clock.advance(10 * SECOND)),
      input: { workspaceId: ws, reservationId: hold.id },
    });
    expect(released.released).toBe(0);
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).available).toBe(
      1000,
    );
  });

  it('pays a commit on an expired hold from free credits alone', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(1, clock);
    const { hold: stale } = await reserveCredits({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, ttlSeconds: 5 },
    });
    clock.advance(10 * SECOND);
    const { hold: fresh } = await reserveCredits({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws },
    });

    // The only credit is now held by someone else, so the stale hold cannot pay.
    const refused = await refusal(
      chargeResponse({
        ctx: contextAt(ctx.store, clock.now()),
        input: response(ws, 'r1', { reservationId: stale.id }),
      }),
    );
    expect(refused.code).toBe('insufficient_credits');
    await releaseReservation({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, reservationId: fresh.id },
    });
    const charged = await chargeResponse({
      ctx: contextAt(ctx.store, clock.now()),
      input: response(ws, 'r1', { reservationId: stale.id }),
    });
    expect(charged).toMatchObject({ cost: 1000, available: 0 });
  });

  it('creates one hold for a repeated idempotency key and refuses the key for a different reservation', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(5, clock);
    const first = await reserveCredits({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, count: 2, idempotencyKey: 'k1' },
    });
    const again = await reserveCredits({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, count: 2, idempotencyKey: 'k1' },
    });
    expect(again).toEqual({ hold: first.hold, replayed: true });
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).held).toBe(2000);
    const conflict = await refusal(
      reserveCredits({
        ctx: contextAt(ctx.store, clock.now()),
        input: { workspaceId: ws, count: 3, idempotencyKey: 'k1' },
      }),
    );
    expect(conflict.code).toBe('idempotency_conflict');
  });

  it('refuses a reservation the workspace cannot pay for and holds nothing', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(1, clock);
    const error = await refusal(
      reserveCredits({
        ctx: contextAt(ctx.store, clock.now()),
        input: { workspaceId: ws, features: ['voice:elevenlabs'] },
      }),
    );
    expect(error.code).toBe('insufficient_credits');
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).held).toBe(0);
  });

  it('lets holds use the overage allowance, but no further', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(1, clock, 1000);
    await reserveCredits({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws, count: 2 } });
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).available).toBe(
      -1000,
    );
    expect(
      (await refusal(reserveCredits({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } }))).code,
    ).toBe('insufficient_credits');
  });

  it('refuses a time-to-live outside 1 second to 1 hour and an unknown reservation', async () => {
    const clock = new TestClock();
    const ws = await workspaceWith(1, clock);
    for (const ttlSeconds of [0, 3601, 1.5]) {
      const error = await refusal(
        reserveCredits({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws, ttlSeconds } }),
      );
      expect(error.details).toEqual({ field: 'ttlSeconds' });
    }
    expect(
      (
        await refusal(
          releaseReservation({
            ctx: contextAt(ctx.store, clock.now()),
            input: { workspaceId: ws, reservationId: 'rsv_missing' },
          }),
        )
      ).code,
    ).toBe('not_found');
    const commit = await refusal(
      chargeResponse({
        ctx: contextAt(ctx.store, clock.now()),
        input: response(ws, 'r', { reservationId: 'rsv_missing' }),
      }),
    );
    expect(commit.code).toBe('not_found');
  });
});
