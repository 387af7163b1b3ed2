import { expect, it } from 'vitest';
import { TestClock } from '../../test/support/clock.ts';
import { contextAt } from '../../test/support/context.ts';
import { callResponse } from '../../test/support/ledger.ts';
import { describeStores } from '../../test/support/stores.ts';
import { chargeBatch, chargeResponse, type ResponseInput } from './charge-response.ts';
import { grantCredits } from './grant-credits.ts';
import { recordConversation } from './record-conversation.ts';
import { refundResponse } from './refund-response.ts';
import { verifyLedger } from './verify-ledger.ts';
import { createWorkspace } from './workspaces.ts';

describeStores('the quarter-hour usage rollups', (ctx) => {
  async function busyWorkspace(clock: TestClock) {
    const ws = (
      await createWorkspace({ ctx: contextAt(ctx.store, clock.now()), input: { name: 'Acme', plan: 'free' } })
    ).id;
    await grantCredits({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, id: 'g1', amount: 100_000, source: 'purchase', reason: 'pack', expiresAt: null },
    });
    const at = (iso: string) => new Date(iso);
    await chargeResponse({
      ctx: contextAt(ctx.store, clock.now()),
      input: callResponse(ws, 'r1', { features: ['voice:elevenlabs'] }),
    });
    await chargeResponse({
      ctx: contextAt(ctx.store, clock.now()),
      input: callResponse(ws, 'r2', { occurredAt: at('2026-11-24T23:59:00Z') }),
    });
    await chargeBatch({
      ctx: contextAt(ctx.store, clock.now()),
      input: {
        workspaceId: ws,
        responses: [
          callResponse(ws, 'b1', { conversationId: 'chat-1', channel: 'chat', occurredAt: at('2026-11-25T09:14:59Z') }),
          callResponse(ws, 'b2', { conversationId: 'chat-1', channel: 'chat', occurredAt: at('2026-11-25T09:15:00Z') }),
          callResponse(ws, 'b3', {
            conversationId: 'chat-2',
            channel: 'chat',
            agentId: 'agent-2',
            features: ['voice:elevenlabs'],
          }),
        ],
      },
    });
    await refundResponse({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, responseId: 'b2', reason: 'test' },
    });
    await recordConversation({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, id: 'call-9', channel: 'call', agentId: 'agent-3' },
    });
    return ws;
  }

  it('equal what the responses and conversations recompute to, after charges, a batch, a refund and a bare call', async () => {
    const clock = new TestClock();
    clock.set('2026-11-25T15:00:00Z');
    await busyWorkspace(clock);
    expect((await verifyLedger({ ctx })).differences).toEqual([]);
  });

  it('are checked by tally verify, which reports a row that drifted', async () => {
    const clock = new TestClock();
    clock.set('2026-11-25T15:00:00Z');
    const ws = await busyWorkspace(clock);
    await ctx.store.db
      .updateTable('usage_slots')
      .set({ credits_used: 7 })
      .where('workspace_id', '=', ws)
      .where('agent_id', '=', 'agent-2')
      .execute();
    const { differences } = await verifyLedger({ ctx });
    expect(differences).toEqual([
      {
        check: 'usage_slot',
        workspaceId: ws,
        subject: '2026-11-25T15:00:00.000Z chat agent-2 ["voice:elevenlabs"] credits',
        expected: 1500,
        actual: 7,
      },
      // The local days, still right, no longer equal the drifted quarter hours regrouped.
      {
        check: 'usage_day',
        workspaceId: ws,
        subject: '2026-11-25 chat agent-2 ["voice:elevenlabs"] credits_used',
        expected: 7,
        actual: 1500,
      },
    ]);
  });

  it('are checked against the local-day rollups by tally verify, which reports a day that drifted', async () => {
    const clock = new TestClock();
    clock.set('2026-11-25T15:00:00Z');
    const ws = await busyWorkspace(clock);
    await ctx.store.db
      .updateTable('usage_days')
      .set({ responses: 9 })
      .where('workspace_id', '=', ws)
      .where('agent_id', '=', 'agent-2')
      .execute();
    const { differences } = await verifyLedger({ ctx });
    expect(differences).toEqual([
      {
        check: 'usage_day',
        workspaceId: ws,
        subject: '2026-11-25 chat agent-2 ["voice:elevenlabs"] responses',
        expected: 1,
        actual: 9,
      },
    ]);
  });
});
