import type { TallyApp } from '../app.ts';
import { createAgent } from '../billing/agents.ts';
import { addMonthsClamped, periodAt } from '../domain/periods.ts';
import { issueApiKey } from '../keys/api-keys.ts';
import { chargeBatch, type ResponseInput } from '../ledger/charge-response.ts';
import { grantCredits } from '../ledger/grant-credits.ts';
import { createWorkspace, findWorkspace } from '../ledger/workspaces.ts';
import { demoDay, seededRandom } from './usage-pattern.ts';

export const DEMO_WORKSPACE_ID = 'ws_demo';
const DAY = 86_400_000;
/** The demo's period started this many days ago, so the first screen shows a period well under way. */
const DAYS_INTO_PERIOD = 18;
/** Three full periods of history before the current one. */
const HISTORY_PERIODS = 3;
const AGENTS = ['agent-reception', 'agent-sales', 'agent-support'];

export interface DemoSeed {
  workspaceId: string;
  created: boolean;
  /** A workspace key with every scope, shown only when the demo is first created. */
  key: string | null;
  summary: string;
}

/**
 * Creates the demo workspace with three months of realistic usage, once. Every response goes
 * through the real ledger with the clock set to its day, so the books verify clean.
 */
export async function seedDemo({
  ctx,
  input,
}: {
  ctx: TallyApp['ctx'];
  /** Where the history ends: now, unless a test fixes it for pictures that do not change. */
  input: { asOf: Date };
}): Promise<DemoSeed> {
  const { store } = ctx;
  const now = input.asOf;
  if (await findWorkspace({ ctx: { store }, input: { workspaceId: DEMO_WORKSPACE_ID } }))
    return { workspaceId: DEMO_WORKSPACE_ID, created: false, key: null, summary: 'already seeded' };

  const plan = ctx.catalog.plan('growth');
  const today = Math.floor(now.getTime() / DAY) * DAY;
  const start = addMonthsClamped(new Date(today - DAYS_INTO_PERIOD * DAY), -HISTORY_PERIODS);
  const historyDays = Math.round((today - start.getTime()) / DAY);
  const workspace = await createWorkspace({
    // Made as of the first day of its history, so that history falls in its periods.
    ctx: { store, clock: () => start },
    input: { id: DEMO_WORKSPACE_ID, name: 'Demo Voice Co.', plan: plan.id, overageLimit: plan.overageLimit },
  });
  // Registered like a customer would, so the gauge's agents count (GET /v1/balance) shows them.
  for (const agentId of AGENTS) {
    const name = agentId.replace('agent-', '');
    await createAgent({
      ctx: { ...ctx, clock: () => start },
      input: { workspaceId: workspace.id, id: agentId, name: name[0]?.toUpperCase() + name.slice(1) },
    });
  }
  const random = seededRandom(20261125);
  let responses = 0;
  let grantedPeriod = '';
  for (let day = 0; day <= historyDays; day++) {
    const dayStart = new Date(start.getTime() + day * DAY);
    const period = periodAt(workspace.periodAnchor, dayStart);
    if (period.start.toISOString() !== grantedPeriod) {
      grantedPeriod = period.start.toISOString();
      await grantCredits({
        ctx: { store, clock: () => period.start },
        input: {
          workspaceId: workspace.id,
          id: `demo-period-${grantedPeriod.slice(0, 10)}`,
          amount: plan.creditsPerPeriod,
          source: 'subscription',
          reason: `${plan.name} plan credits for the period from ${grantedPeriod.slice(0, 10)}`,
          effectiveAt: period.start,
          expiresAt: period.end,
        },
      });
    }
    const dayEnd = Math.min(dayStart.getTime() + DAY - 1, now.getTime());
    if (dayEnd <= dayStart.getTime()) break;
    const { calls, chats } = demoDay(day, historyDays, dayStart, random);
    const inputs: ResponseInput[] = [];
    const span = dayEnd - dayStart.getTime();
    for (const [channel, count, perConversation] of [
      ['call', calls, 10],
      ['chat', chats, 5],
    ] as const) {
      for (let c = 0; c < count; c++) {
        const conversationId = `${channel}-${day}-${c}`;
        const agentId = AGENTS[Math.floor(random() * AGENTS.length)] ?? 'agent-reception';
        const startedAt = dayStart.getTime() + Math.floor(random() * span * 0.9);
        const replies = Math.max(1, Math.round(perConversation * (0.5 + random())));
        for (let r = 0; r < replies; r++) {
          inputs.push({
            workspaceId: workspace.id,
            id: `${conversationId}-r${r}`,
            conversationId,
            channel,
            agentId,
            features: channel === 'call' && random() < 0.3 ? ['voice:elevenlabs'] : [],
            occurredAt: new Date(Math.min(startedAt + r * 20_000, dayEnd)),
          });
        }
      }
    }
    for (let i = 0; i < inputs.length; i += 1000) {
      const results = await chargeBatch({
        ctx: { store, clock: () => new Date(dayEnd) },
        input: { workspaceId: workspace.id, responses: inputs.slice(i, i + 1000) },
      });
      responses += results.filter((result) => result.ok).length;
    }
  }
  const issued = await issueApiKey({
    ctx: ctx,
    input: { workspaceId: workspace.id, scopes: ['ingest', 'read', 'admin'], name: 'demo' },
  });
  return {
    workspaceId: workspace.id,
    created: true,
    key: issued.key,
    summary: `${responses} responses over ${historyDays} days; demo API key (shown once): ${issued.key}`,
  };
}
