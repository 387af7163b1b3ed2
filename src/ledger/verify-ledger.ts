import { sql } from 'kysely';
import type { Store } from '../store/store.ts';
import type { Context } from './context.ts';
import { verifyUsageDays } from './verify-usage-days.ts';
import { verifyUsageSlots } from './verify-usage-slots.ts';

export interface Difference {
  check: 'grant_remaining' | 'overage_debt' | 'balance_after' | 'response_cost' | 'rollup' | 'usage_slot' | 'usage_day';
  workspaceId: string;
  subject: string;
  expected: number;
  actual: number;
}

export interface VerifyReport {
  workspaces: number;
  grants: number;
  ledgerLines: number;
  responses: number;
  rollups: number;
  differences: Difference[];
}

function dayOf(store: Store, column: string) {
  return store.dialect === 'sqlite'
    ? sql<string>`strftime('%Y-%m-%d', ${sql.ref(column)} / 1000, 'unixepoch')`
    : sql<string>`to_char(to_timestamp(${sql.ref(column)} / 1000.0) at time zone 'UTC', 'YYYY-MM-DD')`;
}

/**
 * Recomputes everything that is kept incrementally from what explains it: each grant's remaining
 * and each workspace's overage debt from the ledger lines, each line's balance-after from the
 * running sum, each response's cost from its charge lines, every daily and quarter-hour rollup
 * from the responses and conversations, and the local-day rollups from the quarter hours. Reports each difference; an empty list means the books balance.
 */
export async function verifyLedger({ ctx }: { ctx: Pick<Context, 'store'> }): Promise<VerifyReport> {
  const { store } = ctx;
  const { db } = store;
  const differences: Difference[] = [];

  const grants = await sql<{ workspace_id: string; id: string; remaining: number; explained: number | null }>`
    select g.workspace_id, g.id, g.remaining, l.explained
    from grants g left join (
      select workspace_id, grant_id, sum(amount) as explained from ledger_lines
      where grant_id is not null group by workspace_id, grant_id
    ) l on l.workspace_id = g.workspace_id and l.grant_id = g.id`.execute(db);
  for (const row of grants.rows) {
    const explained = Number(row.explained ?? 0);
    if (explained !== Number(row.remaining)) {
      differences.push({
        check: 'grant_remaining',
        workspaceId: row.workspace_id,
        subject: row.id,
        expected: explained,
        actual: Number(row.remaining),
      });
    }
  }

  const debts = await sql<{ id: string; overage_debt: number; explained: number | null }>`
    select w.id, w.overage_debt, l.explained
    from workspaces w left join (
      select workspace_id, -sum(amount) as explained from ledger_lines where grant_id is null group by workspace_id
    ) l on l.workspace_id = w.id`.execute(db);
  for (const row of debts.rows) {
    const explained = Number(row.explained ?? 0);
    if (explained !== Number(row.overage_debt)) {
      differences.push({
        check: 'overage_debt',
        workspaceId: row.id,
        subject: row.id,
        expected: explained,
        actual: Number(row.overage_debt),
      });
    }
  }

  const running = await sql<{ workspace_id: string; seq: number; balance_after: number; running: number }>`
    select workspace_id, seq, balance_after, running from (
      select workspace_id, seq, balance_after,
             sum(amount) over (partition by workspace_id order by seq rows unbounded preceding) as running
      from ledger_lines
    ) t where balance_after <> running`.execute(db);
  for (const row of running.rows) {
    differences.push({
      check: 'balance_after',
      workspaceId: row.workspace_id,
      subject: `line ${row.seq}`,
      expected: Number(row.running),
      actual: Number(row.balance_after),
    });
  }

  const costs = await sql<{ workspace_id: string; id: string; cost: number; charged: number | null }>`
    select r.workspace_id, r.id, r.cost, l.charged
    from responses r left join (
      select workspace_id, response_id, -sum(amount) as charged from ledger_lines
      where kind = 'charge' group by workspace_id, response_id
    ) l on l.workspace_id = r.workspace_id and l.response_id = r.id
    where coalesce(l.charged, 0) <> r.cost`.execute(db);
  for (const row of costs.rows) {
    differences.push({
      check: 'response_cost',
      workspaceId: row.workspace_id,
      subject: row.id,
      expected: Number(row.cost),
      actual: Number(row.charged ?? 0),
    });
  }

  const responseDay = dayOf(store, 'occurred_at');
  const conversationDay = dayOf(store, 'started_at');
  const rollups = await sql<{
    workspace_id: string;
    day: string;
    channel: string;
    agent_id: string;
    credits_used: number | null;
    responses: number | null;
    conversations: number | null;
    expected_credits: number | null;
    expected_responses: number | null;
    expected_conversations: number | null;
  }>`
    with expected as (
      select workspace_id, day, channel, agent_id, sum(credits) as credits, sum(responses) as responses, sum(conversations) as conversations
      from (
        select workspace_id, ${responseDay} as day, channel, agent_id,
               sum(case when status = 'charged' then cost else 0 end) as credits, count(*) as responses, 0 as conversations
        from responses group by 1, 2, 3, 4
        union all
        select workspace_id, ${conversationDay} as day, channel, agent_id, 0, 0, count(*)
        from conversations group by 1, 2, 3, 4
      ) parts group by workspace_id, day, channel, agent_id
    )
    select coalesce(r.workspace_id, e.workspace_id) as workspace_id, coalesce(r.day, e.day) as day,
           coalesce(r.channel, e.channel) as channel, coalesce(r.agent_id, e.agent_id) as agent_id,
           r.credits_used, r.responses, r.conversations,
           e.credits as expected_credits, e.responses as expected_responses, e.conversations as expected_conversations
    from daily_rollups r full outer join expected e
      on e.workspace_id = r.workspace_id and e.day = r.day and e.channel = r.channel and e.agent_id = r.agent_id
    where coalesce(r.credits_used, 0) <> coalesce(e.credits, 0)
       or coalesce(r.responses, 0) <> coalesce(e.responses, 0)
       or coalesce(r.conversations, 0) <> coalesce(e.conversations, 0)`.execute(db);
  for (const row of rollups.rows) {
    const subject = `${row.day} ${row.channel} ${row.agent_id}`;
    for (const [expected, actual, name] of [
      [row.expected_credits, row.credits_used, 'credits'],
      [row.expected_responses, row.responses, 'responses'],
      [row.expected_conversations, row.conversations, 'conversations'],
    ] as const) {
      if (Number(expected ?? 0) !== Number(actual ?? 0)) {
        differences.push({
          check: 'rollup',
          workspaceId: row.workspace_id,
          subject: `${subject} ${name}`,
          expected: Number(expected ?? 0),
          actual: Number(actual ?? 0),
        });
      }
    }
  }

  differences.push(...(await verifyUsageSlots({ ctx })));
  differences.push(...(await verifyUsageDays({ ctx })));

  const counts = await sql<{ workspaces: number; grants: number; lines: number; responses: number; rollups: number }>`
    select (select count(*) from workspaces) as workspaces, (select count(*) from grants) as grants,
           (select count(*) from ledger_lines) as lines, (select count(*) from responses) as responses,
           (select count(*) from daily_rollups) as rollups`.execute(db);
  const count = counts.rows[0];
  return {
    workspaces: Number(count?.workspaces ?? 0),
    grants: Number(count?.grants ?? 0),
    ledgerLines: Number(count?.lines ?? 0),
    responses: Number(count?.responses ?? 0),
    rollups: Number(count?.rollups ?? 0),
    differences,
  };
}
