/**
 * The ledger's hot path on PostgreSQL as named prepared statements: each is parsed and planned once
 * per connection. A ledger transaction is [BEGIN, lock, open, observers' reads] in one round trip and
 * [apply, COMMIT] in the next (src/store/postgres/postgres-ledger-tx.ts).
 */

/**
 * Locks the account row. A statement of its own, sent together with `OPEN`: in READ COMMITTED a
 * statement reads the snapshot it started with, so the reads that must see the last holder's commit
 * run in the next statement, which starts only once the lock is held.
 */
export const LOCK = {
  name: 'tally_lock',
  text: `select w.*, s.time_zone from workspaces w left join workspace_settings s on s.workspace_id = w.id
          where w.id = $1 for update of w`,
};

/** The account without a lock, for reads outside a ledger transaction. */
export const READ_ACCOUNT = {
  name: 'tally_read_account',
  text: `select w.*, s.time_zone from workspaces w left join workspace_settings s on s.workspace_id = w.id
          where w.id = $1`,
};

/**
 * Everything a ledger operation decides on, in one statement: open grants (and the grants it names,
 * and those the responses it names drew on), the amount unexpired holds set aside, the responses,
 * conversations and holds it names, and the newest rate card version.
 * $1 workspace, $2 now (ms), $3 grant ids, $4 response ids, $5 conversation ids, $6 hold ids, $7 hold keys.
 */
export const OPEN = {
  name: 'tally_open',
  text: `with named as (select * from responses r where r.workspace_id = $1 and r.id = any($4::text[]))
  select
    (select coalesce(json_agg(g), '[]') from grants g
      where g.workspace_id = $1 and (g.remaining > 0 or g.id = any($3::text[]) or g.id in (
        select d ->> 'grantId' from named r cross join jsonb_array_elements(r.draws::jsonb -> 'grants') d))) as grants,
    (select coalesce(sum(h.amount), 0) from holds h
      where h.workspace_id = $1 and h.status = 'held' and h.expires_at > $2::bigint) as held,
    (select coalesce(json_agg(r), '[]') from named r) as responses,
    (select coalesce(json_agg(c), '[]') from conversations c
      where c.workspace_id = $1 and c.id = any($5::text[])) as conversations,
    (select coalesce(json_agg(h), '[]') from holds h
      where h.workspace_id = $1 and (h.id = any($6::text[]) or h.idempotency_key = any($7::text[]))) as holds,
    (select coalesce(max(version), 0) from rate_cards) as card_version`,
};

export const RATE_CARDS = {
  name: 'tally_rate_cards',
  text: 'select version, effective_at, base_cost, features from rate_cards order by effective_at',
};

/** The rollup figures one row of the apply's `rollups` carries; each table sums those sharing its key. */
const ROLLUP_ROWS = `jsonb_to_recordset($1::jsonb -> 'rollups') as r(day text, slot integer, local_day text,
  features text, channel text, agent_id text, credits_used bigint, responses bigint, conversations bigint)`;

const ROLLUP_SUMS = 'sum(r.credits_used), sum(r.responses), sum(r.conversations)';

const rollupUpdate = (table: string) => `credits_used = ${table}.credits_used + excluded.credits_used,
  responses = ${table}.responses + excluded.responses,
  conversations = ${table}.conversations + excluded.conversations`;

/**
 * Every write of a ledger transaction in one statement of data-modifying CTEs over one jsonb
 * parameter ($1; $2 is the workspace). PostgreSQL runs each CTE to completion whether or not it is
 * read. The grant moves stay conditional (within [0, amount]); when one does not apply, the final
 * select casts a message to an integer, which fails the statement and so the transaction.
 */
export const APPLY = {
  name: 'tally_apply',
  text: `with new_grants as (
    insert into grants (workspace_id, id, source, amount, remaining, priority, effective_at, expires_at, reason,
      fingerprint, created_at)
    select $2::text, x.id, x.source, x.amount, x.remaining, x.priority, x.effective_at, x.expires_at, x.reason,
      x.fingerprint, x.created_at
      from jsonb_to_recordset($1::jsonb -> 'grants') as x(id text, source text, amount bigint, remaining bigint,
        priority integer, effective_at bigint, expires_at bigint, reason text, fingerprint text, created_at bigint)
  ), moved as (
    update grants g set remaining = g.remaining + m.delta
      from jsonb_to_recordset($1::jsonb -> 'moves') as m(id text, delta bigint)
     where g.workspace_id = $2::text and g.id = m.id and g.remaining + m.delta >= 0 and g.remaining + m.delta <= g.amount
    returning g.id
  ), lines as (
    insert into ledger_lines (workspace_id, at, kind, amount, grant_id, response_id, reason, balance_after)
    select $2::text, l.at, l.kind, l.amount, l.grant_id, l.response_id, l.reason, l.balance_after
      from jsonb_array_elements($1::jsonb -> 'lines') with ordinality as e(line, n)
     cross join jsonb_to_record(e.line) as l(at bigint, kind text, amount bigint, grant_id text, response_id text,
        reason text, balance_after bigint)
     order by e.n
  ), new_conversations as (
    insert into conversations (workspace_id, id, channel, agent_id, started_at, created_at)
    select $2::text, c.id, c.channel, c.agent_id, c.started_at, c.created_at
      from jsonb_to_recordset($1::jsonb -> 'conversations') as c(id text, channel text, agent_id text,
        started_at bigint, created_at bigint)
    on conflict (workspace_id, id) do nothing
  ), new_responses as (
    insert into responses (workspace_id, id, conversation_id, channel, agent_id, features, occurred_at, cost,
      rate_card_version, reservation_id, fingerprint, available_after, draws, status, created_at)
    select $2::text, r.id, r.conversation_id, r.channel, r.agent_id, r.features, r.occurred_at, r.cost,
      r.rate_card_version, r.reservation_id, r.fingerprint, r.available_after, r.draws, r.status, r.created_at
      from jsonb_to_recordset($1::jsonb -> 'responses') as r(id text, conversation_id text, channel text,
        agent_id text, features text, occurred_at bigint, cost bigint, rate_card_version integer,
        reservation_id text, fingerprint text, available_after bigint, draws text, status text, created_at bigint)
  ), refunded as (
    update responses set status = 'refunded'
     where workspace_id = $2::text and status = 'charged'
       and id in (select jsonb_array_elements_text($1::jsonb -> 'refunded'))
  ), new_holds as (
    insert into holds (workspace_id, id, amount, expires_at, status, fingerprint, idempotency_key, created_at)
    select $2::text, h.id, h.amount, h.expires_at, h.status, h.fingerprint, h.idempotency_key, h.created_at
      from jsonb_to_recordset($1::jsonb -> 'holds') as h(id text, amount bigint, expires_at bigint, status text,
        fingerprint text, idempotency_key text, created_at bigint)
  ), closed as (
    update holds h set status = c.status
      from jsonb_to_recordset($1::jsonb -> 'closes') as c(id text, status text)
     where h.workspace_id = $2::text and h.id = c.id and h.status = 'held'
  ), daily as (
    insert into daily_rollups (workspace_id, day, channel, agent_id, credits_used, responses, conversations)
    select $2::text, r.day, r.channel, r.agent_id, ${ROLLUP_SUMS} from ${ROLLUP_ROWS}
     group by r.day, r.channel, r.agent_id
    on conflict (workspace_id, day, channel, agent_id) do update set ${rollupUpdate('daily_rollups')}
  ), slots as (
    insert into usage_slots (workspace_id, slot, features, channel, agent_id, credits_used, responses, conversations)
    select $2::text, r.slot, r.features, r.channel, r.agent_id, ${ROLLUP_SUMS} from ${ROLLUP_ROWS}
     group by r.slot, r.features, r.channel, r.agent_id
    on conflict (workspace_id, slot, channel, agent_id, features) do update set ${rollupUpdate('usage_slots')}
  ), days as (
    insert into usage_days (workspace_id, day, features, channel, agent_id, credits_used, responses, conversations)
    select $2::text, r.local_day, r.features, r.channel, r.agent_id, ${ROLLUP_SUMS} from ${ROLLUP_ROWS}
     group by r.local_day, r.features, r.channel, r.agent_id
    on conflict (workspace_id, day, channel, agent_id, features) do update set ${rollupUpdate('usage_days')}
  ), account as (
    update workspaces
       set overage_debt = case when $1::jsonb ? 'debt' then ($1::jsonb ->> 'debt')::bigint else overage_debt end,
           spend_limits = case when $1::jsonb ? 'limits' then $1::jsonb ->> 'limits' else spend_limits end
     where id = $2::text and ($1::jsonb ? 'debt' or $1::jsonb ? 'limits')
  )
  select case when (select count(*) from moved) = jsonb_array_length($1::jsonb -> 'moves') then 0
    else ('ledger apply: only ' || (select count(*) from moved) || ' of '
      || jsonb_array_length($1::jsonb -> 'moves') || ' grant moves stayed within [0, amount]')::integer end as refused`,
};
