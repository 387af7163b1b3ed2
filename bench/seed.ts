import Database from 'better-sqlite3';
import pg from 'pg';
import { GRANT_CREDITS } from './api.ts';

/** Where the bulk SQL runs: the same statements on both stores, bar the row series and date formatting. */
export interface SeedTarget {
  dialect: 'sqlite' | 'postgres';
  /** Runs the statements in one transaction. */
  run(statements: string[]): Promise<void>;
  close(): Promise<void>;
}

export function sqliteTarget(file: string): SeedTarget {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('cache_size = -512000');
  return {
    dialect: 'sqlite',
    run: async (statements) => {
      db.transaction(() => {
        for (const statement of statements) db.exec(statement);
      })();
    },
    close: async () => {
      db.close();
    },
  };
}

export async function postgresTarget(url: string): Promise<SeedTarget> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    dialect: 'postgres',
    run: async (statements) => {
      await client.query('begin');
      await client.query('set local synchronous_commit = off');
      for (const statement of statements) await client.query(statement);
      await client.query('commit');
      // What autovacuum would soon do on its own after a load this size.
      await client.query('analyze');
    },
    close: () => client.end(),
  };
}

const DAY_MS = 86_400_000;
const SLOT_MS = 900_000;
export const SEED_DAYS = 90;

const safe = (id: string): string => {
  if (!/^[\w-]+$/.test(id)) throw new Error(`unexpected id ${id}`);
  return `'${id}'`;
};

/**
 * Statements recording `count` charged responses of one credit for a workspace across the last 90 days
 * (today included), spread over every quarter hour of each day: responses, their conversations (ten
 * responses each), charge lines drawing on `grantId`, and the daily and quarter-hour rollups aggregated
 * from the very same rows, so reports and raw rows agree.
 */
export function responseStatements(
  dialect: SeedTarget['dialect'],
  workspaceId: string,
  grantId: string,
  count: number,
) {
  const ws = safe(workspaceId);
  const firstDay = Math.floor(Date.now() / DAY_MS) * DAY_MS - (SEED_DAYS - 1) * DAY_MS;
  const series =
    dialect === 'sqlite'
      ? `(with recursive s(i) as (select 0 union all select i + 1 from s where i < ${count - 1}) select i from s) as s`
      : `generate_series(0, ${count - 1}) as s(i)`;
  const dayText = (d: string) =>
    dialect === 'sqlite'
      ? `date(${firstDay / 1000} + ${d} * 86400, 'unixepoch')`
      : `to_char(to_timestamp(${firstDay / 1000} + ${d} * 86400) at time zone 'UTC', 'YYYY-MM-DD')`;
  const rows = `(select
      cast(i as bigint) as i,
      'seed-' || i as id,
      'conv-' || (i / 10) as conversation_id,
      case when (i / 10) % 2 = 0 then 'chat' else 'call' end as channel,
      'agent-' || ((i / 10) % 5) as agent_id,
      cast(i as bigint) * ${SEED_DAYS} / ${count} as d,
      ${firstDay} + (cast(i as bigint) * ${SEED_DAYS} / ${count}) * ${DAY_MS} + (i % 96) * ${SLOT_MS} + (i % 60) * 1000 as at,
      ${GRANT_CREDITS * 1000} - (cast(i as bigint) + 1) * 1000 as after
    from ${series}) as r`;
  const draws = JSON.stringify({ grants: [{ grantId, amount: 1000 }], overage: 0 });
  return [
    `insert into responses (workspace_id, id, conversation_id, channel, agent_id, features, occurred_at, cost,
       rate_card_version, reservation_id, fingerprint, available_after, draws, status, created_at)
     select ${ws}, id, conversation_id, channel, agent_id, '[]', at, 1000, 1, null, 'seed', after, '${draws}', 'charged', at
     from ${rows}`,
    `insert into conversations (workspace_id, id, channel, agent_id, started_at, created_at)
     select ${ws}, conversation_id, channel, agent_id, at, at from ${rows} where i % 10 = 0`,
    `insert into ledger_lines (workspace_id, at, kind, amount, grant_id, response_id, reason, balance_after)
     select ${ws}, at, 'charge', -1000, ${safe(grantId)}, id, channel || ' response', after from ${rows}`,
    `insert into daily_rollups (workspace_id, day, channel, agent_id, credits_used, responses, conversations)
     select ${ws}, ${dayText('d')}, channel, agent_id, count(*) * 1000, count(*), sum(case when i % 10 = 0 then 1 else 0 end)
     from ${rows} group by d, channel, agent_id`,
    `insert into usage_slots (workspace_id, slot, channel, agent_id, features, credits_used, responses, conversations)
     select ${ws}, at / ${SLOT_MS}, channel, agent_id, '[]', count(*) * 1000, count(*), sum(case when i % 10 = 0 then 1 else 0 end)
     from ${rows} group by at / ${SLOT_MS}, channel, agent_id`,
    `insert into usage_days (workspace_id, day, channel, agent_id, features, credits_used, responses, conversations)
     select ${ws}, ${dayText('d')}, channel, agent_id, '[]', count(*) * 1000, count(*), sum(case when i % 10 = 0 then 1 else 0 end)
     from ${rows} group by d, channel, agent_id`,
    `update grants set remaining = remaining - ${count * 1000} where workspace_id = ${ws} and id = ${safe(grantId)}`,
  ];
}

/** Seeds a workspace Tally created (it holds the GRANT_CREDITS grant `grantId`). */
export async function seedResponses(target: SeedTarget, workspaceId: string, grantId: string, count: number) {
  await target.run(responseStatements(target.dialect, workspaceId, grantId, count));
}

/** Other tenants sharing the tables: `count` workspaces, each with its grant and `responsesEach` responses. */
export async function seedOtherWorkspaces(target: SeedTarget, count: number, responsesEach: number) {
  const now = Date.now();
  const statements: string[] = [];
  for (let n = 0; n < count; n++) {
    const id = `ws_seed_${n}`;
    statements.push(
      `insert into workspaces (id, name, plan, overage_limit, overage_debt, period_anchor, created_at)
       values ('${id}', 'Seeded ${n}', 'starter', 0, 0, ${now}, ${now})`,
      `insert into grants (workspace_id, id, source, amount, remaining, priority, effective_at, expires_at, reason,
         fingerprint, created_at)
       values ('${id}', 'seed', 'adjustment', ${GRANT_CREDITS * 1000}, ${GRANT_CREDITS * 1000}, 0, ${now}, null,
         'benchmark credits', 'seed', ${now})`,
      ...responseStatements(target.dialect, id, 'seed', responsesEach),
    );
  }
  await target.run(statements);
}
