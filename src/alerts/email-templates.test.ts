import { describe, expect, it } from 'vitest';
import { renderEmail } from './email-templates.ts';

const context = {
  workspaceName: 'Acme <Voice>',
  dashboardUrl: 'https://tally.example.com',
  unsubscribeUrl: 'https://tally.example.com/v1/email/unsubscribe/abc.def',
};
const period = { periodStart: '2026-11-01T00:00:00.000Z', periodEnd: '2026-12-01T00:00:00.000Z' };

describe('e-mail notices', () => {
  it('writes a notice for each event people are told of, in text and HTML, with the unsubscribe link', () => {
    const events: [string, Record<string, unknown>, RegExp][] = [
      ['credits.low', { available: 9.5, threshold: 10, state: 'low', previousState: 'ok' }, /9\.5 credits left/],
      ['credits.depleted', { available: 0, threshold: 10, state: 'depleted', previousState: 'low' }, /cannot answer/],
      [
        'usage.level_reached',
        { level: 80, kind: 'used_percent', usedPercent: 80.5, creditsLeft: 195, ...period },
        /used 80\.5% of the credits of the period 2026-11-01 to 2026-12-01/,
      ],
      [
        'usage.level_reached',
        { level: 150, kind: 'credits_left', creditsLeft: 149.5, ...period },
        /down to 149\.5 credits/,
      ],
      [
        'limit.reached',
        { scope: 'agent', agentId: 'reception', limit: 100, used: 100.25, mode: 'block', ...period },
        /Agent reception has used 100\.25 credits of its 100 credits limit/,
      ],
      [
        'limit.reached',
        { scope: 'workspace', limit: 500, used: 500, mode: 'alert', ...period },
        /only alerts: nothing is blocked/,
      ],
      [
        'auto_top_up.succeeded',
        { attemptId: 'att_1', pack: 'pack-100', credits: 100, grantId: 'g1' },
        /100 credits were added/,
      ],
      [
        'auto_top_up.failed',
        { attemptId: 'att_2', pack: 'pack-100', error: 'card_declined', actionUrl: 'https://pay.example.com/fix' },
        /could not buy the pack-100 pack .*card_declined/,
      ],
    ];
    for (const [type, data, says] of events) {
      const mail = renderEmail(type, data, context);
      expect(mail, type).not.toBeNull();
      expect(mail?.text, type).toMatch(says);
      expect(mail?.text).toContain(`Unsubscribe: ${context.unsubscribeUrl}`);
      expect(mail?.html).toContain(`href="${context.unsubscribeUrl}"`);
      // The workspace's name is text in the HTML, never markup.
      expect(mail?.html).toContain('Acme &lt;Voice&gt;');
      expect(mail?.html).not.toContain('<Voice>');
    }
    expect(
      renderEmail('auto_top_up.failed', { pack: 'p', error: 'x', actionUrl: 'https://pay.example.com/fix' }, context)
        ?.html,
    ).toContain('href="https://pay.example.com/fix"');
  });

  it('writes no mail for events that are webhooks only', () => {
    expect(renderEmail('credits.recovered', {}, context)).toBeNull();
    expect(renderEmail('subscription.renewed', {}, context)).toBeNull();
  });
});
