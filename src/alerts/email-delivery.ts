import type { SendMailOptions } from 'nodemailer';
import { randomId } from '../ledger/random-id.ts';
import { workspaceNames } from '../ledger/workspaces.ts';
import type { Db } from '../store/schema.ts';
import { usersById } from '../users/users.ts';
import type { AlertsContext } from './context.ts';
import { type RenderedEmail, renderEmail } from './email-templates.ts';
import { claimDue } from './outbox-claim.ts';
import { MAX_ATTEMPTS, settleAttempt } from './retry-schedule.ts';
import { unsubscribeToken } from './unsubscribe-links.ts';

/** What sends a mail: a nodemailer transport in production and in the tests (to a real SMTP server). */
export interface Mailer {
  sendMail(message: SendMailOptions): Promise<unknown>;
}

export interface EmailSettings {
  mailer: Mailer;
  /** TALLY_MAIL_FROM. */
  from: string;
  /** Where links in the mail point: TALLY_PUBLIC_URL, else the address Tally listens on. */
  publicUrl: string;
}

/** What the mail round runs on: the alerts' context (its key signs the unsubscribe links) and the mail settings. */
export interface EmailContext extends AlertsContext, EmailSettings {}

export interface EmailOptions {
  batchSize?: number;
  leaseMs?: number;
  maxAttempts?: number;
  /** [0, 1), for the retry jitter. */
  random?: () => number;
}

export interface EmailRound {
  claimed: number;
  delivered: number;
  retrying: number;
  failed: number;
  cancelled: number;
}

type Outcome = keyof Omit<EmailRound, 'claimed'>;

const DEFAULT_BATCH_SIZE = 20;
const DEFAULT_LEASE_MS = 120_000;
const ERROR_CHARS = 512;

/** The unsubscribe address in every mail: a page with a button, and the target of the one-click POST (RFC 8058). */
export function unsubscribeUrl(
  settings: Pick<EmailContext, 'publicUrl' | 'secretKey'>,
  workspaceId: string,
  userId: string,
) {
  return `${settings.publicUrl}/v1/email/unsubscribe/${unsubscribeToken(settings.secretKey, { workspaceId, userId })}`;
}

interface Claimed {
  workspace_id: string;
  id: string;
  attempts: number;
  event_id: string;
  type: string;
  data: string;
  user_id: string;
  email: string | null;
  workspace_name: string;
  opted_out: string | null;
}

/** A failure in words for the delivery log: the SMTP code and reply, never the URL (it holds the password). */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, ERROR_CHARS);
  const { code, response } = error as { code?: unknown; response?: unknown };
  const reply = typeof response === 'string' ? response : error.message;
  return `${typeof code === 'string' ? `${code}: ` : ''}${reply}`.slice(0, ERROR_CHARS);
}

function message(row: Claimed, email: string, rendered: RenderedEmail, settings: EmailContext): SendMailOptions {
  const unsubscribe = unsubscribeUrl(settings, row.workspace_id, row.user_id);
  return {
    from: settings.from,
    to: email,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    // The event id: a mail sent twice (a worker died after sending) is recognisably the same one.
    messageId: `<${row.event_id}.${row.user_id}@tally>`,
    headers: {
      'List-Unsubscribe': `<${unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'Tally-Event-Id': row.event_id,
      'Tally-Event-Type': row.type,
    },
  };
}

async function attempt(
  ctx: EmailContext,
  row: Claimed,
  now: Date,
  token: string,
  options: Required<EmailOptions>,
): Promise<Outcome> {
  const { store } = ctx;
  const mine = (trx: Db) =>
    trx
      .updateTable('email_deliveries')
      .where('workspace_id', '=', row.workspace_id)
      .where('id', '=', row.id)
      .where('lease_token', '=', token);
  const rendered = renderEmail(row.type, JSON.parse(row.data) as Record<string, unknown>, {
    workspaceName: row.workspace_name,
    dashboardUrl: ctx.publicUrl,
    unsubscribeUrl: unsubscribeUrl(ctx, row.workspace_id, row.user_id),
  });
  // The user left, unsubscribed after the mail was queued, or the event has no mail: nothing to send.
  if (row.email === null || row.opted_out !== null || rendered === null) {
    await mine(store.db).set({ status: 'cancelled', lease_token: null }).execute();
    return 'cancelled';
  }
  let error: string | null = null;
  try {
    await ctx.mailer.sendMail(message(row, row.email, rendered, ctx));
  } catch (failure) {
    error = describeFailure(failure);
  }
  const number = row.attempts + 1;
  const { outcome, fields } = settleAttempt(error, number, options.maxAttempts, now, options.random());
  await mine(store.db)
    .set({
      attempts: number,
      lease_token: null,
      last_attempt_at: now.getTime(),
      last_error: error,
      ...fields,
    })
    .execute();
  return outcome;
}

/**
 * One round of the e-mail side of the outbox: claims the mails due now, renders and sends each
 * over SMTP, and records the outcome. A failed send is retried later on the webhooks' backoff
 * schedule until `maxAttempts`. At least once, like the webhooks.
 */
export async function sendDueEmails({
  ctx,
  input: options = {},
}: {
  ctx: EmailContext;
  input?: EmailOptions;
}): Promise<EmailRound> {
  const now = ctx.clock();
  const { store } = ctx;
  const resolved: Required<EmailOptions> = {
    batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
    leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
    maxAttempts: options.maxAttempts ?? MAX_ATTEMPTS,
    random: options.random ?? Math.random,
  };
  const round: EmailRound = { claimed: 0, delivered: 0, retrying: 0, failed: 0, cancelled: 0 };
  const token = randomId('lease');
  round.claimed = await claimDue(store, 'email_deliveries', {
    now: now.getTime(),
    token,
    batch: resolved.batchSize,
    leaseMs: resolved.leaseMs,
  });
  if (round.claimed === 0) return round;
  const claimed = await store.db
    .selectFrom('email_deliveries as d')
    .innerJoin('webhook_events as e', (join) =>
      join.onRef('e.workspace_id', '=', 'd.workspace_id').onRef('e.id', '=', 'd.event_id'),
    )
    .leftJoin('email_opt_outs as o', (join) =>
      join.onRef('o.workspace_id', '=', 'd.workspace_id').onRef('o.user_id', '=', 'd.user_id'),
    )
    .select([
      'd.workspace_id',
      'd.id',
      'd.attempts',
      'd.event_id',
      'e.type',
      'e.data',
      'd.user_id',
      'o.user_id as opted_out',
    ])
    .where('d.lease_token', '=', token)
    .execute();
  const [names, users] = await Promise.all([
    workspaceNames({ ctx: { store }, input: { workspaceIds: [...new Set(claimed.map((row) => row.workspace_id))] } }),
    usersById(store.db, [...new Set(claimed.map((row) => row.user_id))]),
  ]);
  const rows = claimed.flatMap((row) => {
    const workspaceName = names.get(row.workspace_id);
    if (workspaceName === undefined) return [];
    const user = users.get(row.user_id);
    return [
      { ...row, workspace_name: workspaceName, email: user?.workspaceId === row.workspace_id ? user.email : null },
    ];
  });
  const outcomes = await Promise.all(rows.map((row) => attempt(ctx, row, now, token, resolved)));
  for (const outcome of outcomes) round[outcome] += 1;
  return round;
}
