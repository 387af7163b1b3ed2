import type { Db, Trx } from '../store/schema.ts';
import type { BalanceFigures, TwilioFigures, UsageFigures } from './twilio-figures.ts';

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

export async function findConnection(db: Db, workspaceId: string): Promise<TwilioConnection | null> {
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
 * Replaces the workspace's connection, in the caller's transaction `trx`. Figures of another account
 * are dropped with it, so the card never shows one account's balance under another's SID; figures
 * of the same account stay as a fallback.
 */
export async function saveConnection(trx: Trx, connection: TwilioConnection): Promise<void> {
  const values = {
    workspace_id: connection.workspaceId,
    account_sid: connection.accountSid,
    auth_kind: connection.authKind,
    api_key_sid: connection.apiKeySid,
    secret_sealed: connection.secretSealed,
    connected_at: connection.connectedAt.getTime(),
  };
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
}

/** Removes the connection and its figures, in the caller's transaction `trx`; true when there was one. */
export async function deleteConnection(trx: Trx, workspaceId: string): Promise<boolean> {
  await trx.deleteFrom('twilio_figures').where('workspace_id', '=', workspaceId).execute();
  const result = await trx.deleteFrom('twilio_connections').where('workspace_id', '=', workspaceId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** The usage part as stored: its figures without the time, which has a column of its own. */
type StoredUsage = Omit<UsageFigures, 'fetchedAt'>;

export async function findFigures(db: Db, workspaceId: string): Promise<TwilioFigures | null> {
  const row = await db
    .selectFrom('twilio_figures')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    accountSid: row.account_sid,
    balance:
      row.balance_fetched_at === null
        ? null
        : { balance: row.balance, currency: row.currency, fetchedAt: new Date(Number(row.balance_fetched_at)) },
    usage:
      row.usage === null || row.usage_fetched_at === null
        ? null
        : { ...(JSON.parse(row.usage) as StoredUsage), fetchedAt: new Date(Number(row.usage_fetched_at)) },
  };
}

/** Keeps the newest balance only: a slow refresh finishing after a quicker one never overwrites it. */
export async function saveBalance(
  db: Db,
  workspaceId: string,
  accountSid: string,
  figures: BalanceFigures,
): Promise<void> {
  const fetchedAt = figures.fetchedAt.getTime();
  await db
    .insertInto('twilio_figures')
    .values({
      workspace_id: workspaceId,
      account_sid: accountSid,
      balance: figures.balance,
      currency: figures.currency,
      balance_fetched_at: fetchedAt,
      usage: null,
      usage_fetched_at: null,
    })
    .onConflict((oc) =>
      oc
        .column('workspace_id')
        .doUpdateSet((eb) => ({
          balance: eb.ref('excluded.balance'),
          currency: eb.ref('excluded.currency'),
          balance_fetched_at: eb.ref('excluded.balance_fetched_at'),
        }))
        .where((eb) =>
          eb.or([
            eb('twilio_figures.balance_fetched_at', 'is', null),
            eb('twilio_figures.balance_fetched_at', '<=', fetchedAt),
          ]),
        ),
    )
    .execute();
}

/** Keeps the newest usage only, as saveBalance does for the balance. */
export async function saveUsage(db: Db, workspaceId: string, accountSid: string, figures: UsageFigures): Promise<void> {
  const { fetchedAt, ...stored } = figures;
  const at = fetchedAt.getTime();
  await db
    .insertInto('twilio_figures')
    .values({
      workspace_id: workspaceId,
      account_sid: accountSid,
      balance: null,
      currency: null,
      balance_fetched_at: null,
      usage: JSON.stringify(stored satisfies StoredUsage),
      usage_fetched_at: at,
    })
    .onConflict((oc) =>
      oc
        .column('workspace_id')
        .doUpdateSet((eb) => ({
          usage: eb.ref('excluded.usage'),
          usage_fetched_at: eb.ref('excluded.usage_fetched_at'),
        }))
        .where((eb) =>
          eb.or([eb('twilio_figures.usage_fetched_at', 'is', null), eb('twilio_figures.usage_fetched_at', '<=', at)]),
        ),
    )
    .execute();
}
