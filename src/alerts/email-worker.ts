import { createTransport } from 'nodemailer';
import type { Clock } from '../domain/clock.ts';
import type { Store } from '../store/store.ts';
import { sendDueEmails } from './email-delivery.ts';
import { setEmailEnabled } from './email-queue.ts';
import { OutboxWorker, type PollingOptions } from './worker.ts';

export interface EmailStart {
  smtpUrl: string | null;
  mailFrom: string | null;
  publicUrl: string;
  secretKey: Uint8Array;
  clock: Clock;
}

/**
 * States whether mail is queued (TALLY_SMTP_URL set) and, when it is, returns the worker that sends
 * it, with the start-up line that says so. The line names the SMTP host, never the URL's password.
 */
export async function prepareEmail(
  store: Store,
  settings: EmailStart,
  options: PollingOptions,
): Promise<{ line: string; worker: OutboxWorker | null }> {
  const { smtpUrl, mailFrom } = settings;
  await setEmailEnabled(store, smtpUrl !== null, settings.clock());
  if (smtpUrl === null || mailFrom === null) {
    return { line: 'E-mail notices: off (TALLY_SMTP_URL is unset): no mail is queued.', worker: null };
  }
  const mailer = createTransport(smtpUrl);
  const email = { mailer, from: mailFrom, publicUrl: settings.publicUrl, secretKey: settings.secretKey };
  return {
    line: `E-mail notices: on, through the SMTP server at ${new URL(smtpUrl).host}, from ${mailFrom}.`,
    worker: new OutboxWorker((now) => sendDueEmails(store, email, now), settings.clock, options),
  };
}
