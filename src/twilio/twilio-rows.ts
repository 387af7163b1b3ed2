import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { TwilioFigures } from './twilio-figures.ts';

export type TwilioAuthKind = 'auth_token' | 'api_key';

/** A stored connection; the secret stays sealed until the moment a request needs it. */
export interface TwilioConnection {
  workspaceId: string;
  accountSid: string;
  authKind: TwilioAuthKind;
  apiKeySid: string | null;
  secretSealed: string;
  connectedAt: Date;
}

export async function findConnection(db: Kysely<Database>, workspaceId: string): Promise<TwilioConnection | null> {
  const row = await db
    .selectFrom('twilio_connections')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    workspaceId: row.workspace_id,
    accountSid: row.account_sid,
    authKind: row.auth_kind,
    apiKeySid: row.api_key_sid,
    secretSealed: row.secret_sealed,
    connectedAt: new Date(Number(row.connected_at)),
  };
}

/**
 * Replaces the workspace's connection. Figures of another account are dropped with it, so the card
 * never shows one account's balance under another's SID; figures of the same account stay as a fallback.
 */
export async function saveConnection(db: Kysely<Database>, connection: TwilioConnection): Promise<void> {
  const values = {
    workspace_id: connection.workspaceId,
    account_sid: connection.accountSid,
    auth_kind: connection.authKind,
    api_key_sid: connection.apiKeySid,
    secret_sealed: connection.secretSealed,
    connected_at: connection.connectedAt.getTime(),
  };
  await db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('twilio_figures')
      .where('workspace_id', '=', connection.workspaceId)
      .where('account_sid', '<>', connection.accountSid)
      .execute();
    await trx
      .insertInto('twilio_connections')
      .values(values)
      .onConflict((oc) =>
        oc.column('workspace_id').doUpdateSet({
          account_sid: values.account_sid,
          auth_kind: values.auth_kind,
          api_key_sid: values.api_key_sid,
          secret_sealed: values.secret_sealed,
          connected_at: values.connected_at,
        }),
      )
      .execute();
  });
}

/** Removes the connection and its figures; true when there was one. */
export async function deleteConnection(db: Kysely<Database>, workspaceId: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await trx.deleteFrom('twilio_figures').where('workspace_id', '=', workspaceId).execute();
    const result = await trx
      .deleteFrom('twilio_connections')
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  });
}

export async function findFigures(db: Kysely<Database>, workspaceId: string): Promise<TwilioFigures | null> {
  const row = await db
    .selectFrom('twilio_figures')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    accountSid: row.account_sid,
    balance: row.balance,
    currency: row.currency,
    spend: row.spend,
    spendCurrency: row.spend_currency,
    calls: row.calls === null ? null : Number(row.calls),
    callMinutes: row.call_minutes === null ? null : Number(row.call_minutes),
    daily: JSON.parse(row.daily) as TwilioFigures['daily'],
    fetchedAt: new Date(Number(row.fetched_at)),
  };
}

/** Keeps the newest figures only: a slow refresh finishing after a quicker one never overwrites it. */
export async function saveFigures(db: Kysely<Database>, workspaceId: string, figures: TwilioFigures): Promise<void> {
  const values = {
    workspace_id: workspaceId,
    account_sid: figures.accountSid,
    balance: figures.balance,
    currency: figures.currency,
    spend: figures.spend,
    spend_currency: figures.spendCurrency,
    calls: figures.calls,
    call_minutes: figures.callMinutes,
    daily: JSON.stringify(figures.daily),
    fetched_at: figures.fetchedAt.getTime(),
  };
  await db
    .insertInto('twilio_figures')
    .values(values)
    .onConflict((oc) =>
      oc
        .column('workspace_id')
        .doUpdateSet((eb) => ({
          account_sid: eb.ref('excluded.account_sid'),
          balance: eb.ref('excluded.balance'),
          currency: eb.ref('excluded.currency'),
          spend: eb.ref('excluded.spend'),
          spend_currency: eb.ref('excluded.spend_currency'),
          calls: eb.ref('excluded.calls'),
          call_minutes: eb.ref('excluded.call_minutes'),
          daily: eb.ref('excluded.daily'),
          fetched_at: eb.ref('excluded.fetched_at'),
        }))
        .where('twilio_figures.fetched_at', '<=', values.fetched_at),
    )
    .execute();
}
