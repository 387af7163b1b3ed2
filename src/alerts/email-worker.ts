import { createTransport } from 'nodemailer';
import type { Call } from '../ledger/context.ts';
import type { AlertsContext } from './context.ts';
import { sendDueEmails } from './email-delivery.ts';
import { setEmailEnabled } from './email-queue.ts';
import { OutboxWorker, type PollingOptions } from './worker.ts';

export interface EmailStart extends PollingOptions {
  smtpUrl: string | null;
  mailFrom: string | null;
  publicUrl: string;
}

/**
 * States whether mail is queued (TALLY_SMTP_URL set) and, when it is, returns the worker that sends
 * it, with the start-up line that says so. The line names the SMTP host, never the URL's password.
 */
export async function prepareEmail({
  ctx,
  input,
}: Call<AlertsContext, EmailStart>): Promise<{ line: string; worker: OutboxWorker | null }> {
  const { smtpUrl, mailFrom, publicUrl, ...polling } = input;
  await setEmailEnabled({ ctx, input: { enabled: smtpUrl !== null } });
  if (smtpUrl === null || mailFrom === null) {
    return { line: 'E-mail notices: off (TALLY_SMTP_URL is unset): no mail is queued.', worker: null };
  }
  const email = { ...ctx, mailer: createTransport(smtpUrl), from: mailFrom, publicUrl };
  return {
    line: `E-mail notices: on, through the SMTP server at ${new URL(smtpUrl).host}, from ${mailFrom}.`,
    worker: new OutboxWorker({ ...polling, round: () => sendDueEmails({ ctx: email }) }),
  };
}
