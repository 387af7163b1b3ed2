import type { ParsedMail } from 'mailparser';
import { createTransport } from 'nodemailer';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { MINUTE } from '../../test/support/clock.ts';
import { startServer, type TestServer } from '../../test/support/http.ts';
import { SMTP_PASSWORD, startSmtpServer, type TestSmtpServer } from '../../test/support/smtp-server.ts';
import { describeStores } from '../../test/support/stores.ts';
import { createUser } from '../users/users.ts';
import { type EmailContext, sendDueEmails } from './email-delivery.ts';
import { prepareEmail } from './email-worker.ts';

const PASSWORD = 'correct horse battery staple';

/** The List-Unsubscribe URL, as mailparser reads the header. */
function unsubscribeLinkOf(mail: ParsedMail | undefined): string {
  const list = mail?.headers.get('list') as { unsubscribe?: { url?: string } } | undefined;
  return String(list?.unsubscribe?.url);
}

describeStores('e-mail notices', (ctx) => {
  let smtp: TestSmtpServer;
  let server: TestServer;
  let email: EmailContext;
  let responses = 0;

  beforeEach(async () => {
    smtp = await startSmtpServer();
    server = await startServer(ctx.store);
    email = {
      ...server.app.ctx,
      mailer: createTransport(smtp.url),
      from: 'Tally <notices@tally.test>',
      publicUrl: server.url,
    };
  });
  afterEach(async () => {
    await server.close();
    await smtp.close();
  });

  /** Mail on, as a process started with TALLY_SMTP_URL states it; a workspace of 10 credits with two users. */
  async function workspaceWithUsers() {
    const start = await prepareEmail({
      ctx: server.app.ctx,
      input: { smtpUrl: smtp.url, mailFrom: email.from, publicUrl: server.url },
    });
    expect(start.line).not.toContain(SMTP_PASSWORD);
    const ws = await server.workspace(10);
    for (const email of ['ada@example.com', 'grace@example.com']) {
      await createUser({ ctx: server.app.ctx, input: { workspaceId: ws.id, email, password: PASSWORD } });
    }
    return ws;
  }

  const spend = async (key: string, count: number) => {
    for (let i = 0; i < count; i += 1) {
      responses += 1;
      const res = await server.call('POST', '/v1/responses', {
        key,
        body: { id: `r${responses}`, conversationId: 'c1', channel: 'chat', agentId: 'a1' },
      });
      expect(res.status).toBe(201);
    }
  };

  it('mails a level reached to every user, in text and HTML, with a one-click unsubscribe', async () => {
    const ws = await workspaceWithUsers();
    await spend(ws.key, 5); // 50% of 10 credits used

    const round = await sendDueEmails({ ctx: email });
    expect(round).toMatchObject({ claimed: 2, delivered: 2 });
    expect(smtp.received.map((mail) => mail.to && 'text' in mail.to && mail.to.text).sort()).toEqual([
      'ada@example.com',
      'grace@example.com',
    ]);
    for (const mail of smtp.received) {
      expect(mail.subject).toMatch(/50% of this period's credits used/);
      expect(mail.from?.value).toEqual([{ name: 'Tally', address: 'notices@tally.test' }]);
      expect(mail.text).toContain('has used 50% of the credits');
      expect(mail.html).toContain('<a href=');
      expect(mail.headerLines.find((header) => header.key === 'list-unsubscribe-post')?.line).toBe(
        'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
      );
      const unsubscribe = unsubscribeLinkOf(mail);
      expect(unsubscribe).toMatch(new RegExp(`^${server.url}/v1/email/unsubscribe/`));
      expect(mail.text).toContain(unsubscribe);
    }
    // Sent once: the next round finds nothing due.
    expect((await sendDueEmails({ ctx: email })).claimed).toBe(0);
  });

  it('stops mailing a user who used the one-click unsubscribe, until they turn notices back on', async () => {
    const ws = await workspaceWithUsers();
    await spend(ws.key, 5);
    await sendDueEmails({ ctx: email });
    const ada = smtp.received.find((mail) => JSON.stringify(mail.to).includes('ada@'));
    const link = unsubscribeLinkOf(ada);

    // What a mail client sends for List-Unsubscribe-Post (RFC 8058), with no session.
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('ada@example.com will no longer get');
    const oneClick = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.status).toBe(200);
    expect(await oneClick.text()).toContain('Unsubscribed');

    smtp.received.length = 0;
    await spend(ws.key, 3); // 80% used, and 2 left is low: two notices, to Grace alone
    await sendDueEmails({ ctx: email });
    expect(smtp.received.map((mail) => mail.subject)).toEqual(
      expect.arrayContaining([expect.stringMatching(/80%/), expect.stringMatching(/running low/)]),
    );
    expect(new Set(smtp.received.map((mail) => JSON.stringify(mail.to?.valueOf())))).toHaveLength(1);
    expect(JSON.stringify(smtp.received[0]?.to)).toContain('grace@example.com');

    // Ada signs in and turns her notices back on.
    const signIn = await server.call('POST', '/v1/session', { body: { email: 'ada@example.com', password: PASSWORD } });
    const cookie = String(signIn.headers.get('set-cookie')).split(';')[0] ?? '';
    const session = { cookie, 'x-csrf-token': signIn.body.csrfToken };
    expect((await server.call('GET', '/v1/alerts/email', { headers: session })).body).toEqual({
      email: 'ada@example.com',
      enabled: false,
    });
    const on = await server.call('PUT', '/v1/alerts/email', { headers: session, body: { enabled: true } });
    expect(on.body).toEqual({ email: 'ada@example.com', enabled: true });

    smtp.received.length = 0;
    await spend(ws.key, 2); // 100% used and depleted: two notices each
    await sendDueEmails({ ctx: email });
    expect(smtp.received).toHaveLength(4);
  });

  it('refuses an altered unsubscribe link and changes nothing', async () => {
    const ws = await workspaceWithUsers();
    await spend(ws.key, 5);
    await sendDueEmails({ ctx: email });
    const link = unsubscribeLinkOf(smtp.received[0]);
    const altered = `${link.slice(0, -3)}AAA`;
    expect((await fetch(altered, { method: 'POST' })).status).toBe(400);
    expect((await fetch(`${server.url}/v1/email/unsubscribe/nonsense`)).status).toBe(400);
    expect(await ctx.store.db.selectFrom('email_opt_outs').selectAll().execute()).toEqual([]);
  });

  it('unsubscribes from a browser signed in to the dashboard too, with no CSRF token', async () => {
    const ws = await workspaceWithUsers();
    await spend(ws.key, 5);
    await sendDueEmails({ ctx: email });
    const grace = smtp.received.find((mail) => JSON.stringify(mail.to).includes('grace@'));
    const signIn = await server.call('POST', '/v1/session', {
      body: { email: 'grace@example.com', password: PASSWORD },
    });
    const cookie = String(signIn.headers.get('set-cookie')).split(';')[0] ?? '';
    const res = await fetch(unsubscribeLinkOf(grace), { method: 'POST', headers: { cookie } });
    expect(res.status).toBe(200);
    const session = { cookie, 'x-csrf-token': signIn.body.csrfToken };
    expect((await server.call('GET', '/v1/alerts/email', { headers: session })).body.enabled).toBe(false);
  });

  it('keeps a mail the SMTP server refused and sends it on a later round', async () => {
    const ws = await workspaceWithUsers();
    await spend(ws.key, 5);
    smtp.mode = 'failing';
    const now = new Date();
    const failed = await sendDueEmails({ ctx: { ...email, clock: () => now }, input: { random: () => 0.5 } });
    expect(failed).toMatchObject({ claimed: 2, retrying: 2 });
    const pending = await ctx.store.db.selectFrom('email_deliveries').selectAll().execute();
    expect(pending.every((row) => row.status === 'pending' && row.attempts === 1)).toBe(true);
    expect(pending[0]?.last_error).toMatch(/451/);
    expect(pending[0]?.last_error).not.toContain(SMTP_PASSWORD);

    smtp.mode = 'up';
    expect((await sendDueEmails({ ctx: { ...email, clock: () => new Date(now.getTime() + 30_000) } })).claimed).toBe(0); // not yet due
    const retried = await sendDueEmails({ ctx: { ...email, clock: () => new Date(now.getTime() + 2 * MINUTE) } });
    expect(retried).toMatchObject({ claimed: 2, delivered: 2 });
    expect(smtp.received).toHaveLength(2);
  });

  it('queues no mail when Tally runs without TALLY_SMTP_URL, and says so at start', async () => {
    const ws = await workspaceWithUsers();
    const start = await prepareEmail({
      ctx: server.app.ctx,
      input: { smtpUrl: null, mailFrom: null, publicUrl: server.url },
    });
    expect(start).toEqual({ line: 'E-mail notices: off (TALLY_SMTP_URL is unset): no mail is queued.', worker: null });
    await spend(ws.key, 10);
    const events = await ctx.store.db.selectFrom('webhook_events').select('type').execute();
    expect(events.map((e) => e.type)).toContain('usage.level_reached');
    expect(await ctx.store.db.selectFrom('email_deliveries').selectAll().execute()).toEqual([]);
  });
});
