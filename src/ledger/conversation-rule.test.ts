import { expect, it } from 'vitest';
import { TestClock } from '../../test/support/clock.ts';
import { contextAt } from '../../test/support/context.ts';
import { workspaceWithCredits } from '../../test/support/ledger.ts';
import { refusal } from '../../test/support/refusal.ts';
import { describeStores } from '../../test/support/stores.ts';
import type { TallyError } from '../domain/errors.ts';
import { getBalance } from './balance.ts';
import { ChargeCoalescer } from './charge-coalescer.ts';
import { chargeBatch, chargeResponse, type ResponseInput } from './charge-response.ts';
import { recordConversation } from './record-conversation.ts';
import { verifyLedger } from './verify-ledger.ts';

const response = (workspaceId: string, id: string, extra: Partial<ResponseInput> = {}): ResponseInput => ({
  workspaceId,
  id,
  conversationId: 'conv-1',
  channel: 'chat',
  agentId: 'agent-1',
  ...extra,
});

describeStores('a conversation belongs to one agent and one channel', (ctx) => {
  const responsesOf = async (workspaceId: string) =>
    (await ctx.store.db.selectFrom('responses').select('id').where('workspace_id', '=', workspaceId).execute()).map(
      (row) => row.id,
    );

  it('refuses a response naming another agent or channel than its conversation, and charges nothing', async () => {
    const clock = new TestClock();
    const ws = await workspaceWithCredits(ctx.store, 10, clock.now());
    await chargeResponse({ ctx: contextAt(ctx.store, clock.now()), input: response(ws, 'r1') });

    const otherAgent = await refusal(
      chargeResponse({ ctx: contextAt(ctx.store, clock.now()), input: response(ws, 'r2', { agentId: 'agent-2' }) }),
    );
    expect(otherAgent.code).toBe('conversation_mismatch');
    expect(otherAgent.message).toBe(
      'Conversation conv-1 belongs to agent agent-1 on chat, not to agent agent-2 on chat; use a new conversation id for another agent or channel.',
    );
    expect(otherAgent.details).toEqual({ conversationId: 'conv-1', channel: 'chat', agentId: 'agent-1' });
    const otherChannel = await refusal(
      chargeResponse({ ctx: contextAt(ctx.store, clock.now()), input: response(ws, 'r3', { channel: 'call' }) }),
    );
    expect(otherChannel.code).toBe('conversation_mismatch');

    expect(await responsesOf(ws)).toEqual(['r1']);
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).available).toBe(
      9000,
    );
  });

  it('refuses the same in a batch, item by item, also for a conversation first seen in that batch', async () => {
    const clock = new TestClock();
    const ws = await workspaceWithCredits(ctx.store, 10, clock.now());
    await recordConversation({
      ctx: contextAt(ctx.store, clock.now()),
      input: { workspaceId: ws, id: 'conv-1', channel: 'chat', agentId: 'agent-1' },
    });
    const results = await chargeBatch({
      ctx: contextAt(ctx.store, clock.now()),
      input: {
        workspaceId: ws,
        responses: [
          response(ws, 'b1'),
          response(ws, 'b2', { agentId: 'agent-2' }),
          response(ws, 'b3', { conversationId: 'conv-2', channel: 'call' }),
          response(ws, 'b4', { conversationId: 'conv-2', channel: 'chat' }),
          response(ws, 'b5', { conversationId: 'conv-2', channel: 'call', agentId: 'agent-9' }),
        ],
      },
    });
    expect(results.map((result) => (result.ok ? 'charged' : result.error.code))).toEqual([
      'charged',
      'conversation_mismatch',
      'charged',
      'conversation_mismatch',
      'conversation_mismatch',
    ]);
    expect((await responsesOf(ws)).sort()).toEqual(['b1', 'b3']);
    expect((await getBalance({ ctx: contextAt(ctx.store, clock.now()), input: { workspaceId: ws } })).available).toBe(
      8000,
    );
    expect((await verifyLedger({ ctx })).differences).toEqual([]);
  });

  it('refuses the same when concurrent charges go together through the coalescer', async () => {
    const clock = new TestClock();
    const ws = await workspaceWithCredits(ctx.store, 10, clock.now());
    const charges = new ChargeCoalescer({ ctx: { store: ctx.store, clock: clock.now } });
    const settled = await Promise.allSettled(
      ['agent-1', 'agent-2', 'agent-1', 'agent-3'].map((agentId, i) =>
        charges.charge(response(ws, `c${i}`, { agentId })),
      ),
    );
    expect(settled.map((s) => (s.status === 'fulfilled' ? 'charged' : (s.reason as TallyError).code))).toEqual([
      'charged',
      'conversation_mismatch',
      'charged',
      'conversation_mismatch',
    ]);
    expect((await responsesOf(ws)).sort()).toEqual(['c0', 'c2']);
  });

  it('refuses recording a known conversation again with another agent, by the same rule', async () => {
    const clock = new TestClock();
    const ws = await workspaceWithCredits(ctx.store, 10, clock.now());
    await chargeResponse({ ctx: contextAt(ctx.store, clock.now()), input: response(ws, 'r1') });
    const again = { workspaceId: ws, id: 'conv-1', channel: 'chat', agentId: 'agent-2' } as const;
    const error = await refusal(recordConversation({ ctx: contextAt(ctx.store, clock.now()), input: again }));
    expect(error.code).toBe('conversation_mismatch');
    const same = await recordConversation({
      ctx: contextAt(ctx.store, clock.now()),
      input: { ...again, agentId: 'agent-1' },
    });
    expect(same.created).toBe(false);
  });
});
