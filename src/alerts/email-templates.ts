import { escapeHtml } from '../domain/html.ts';
import type { EventType } from './events.ts';

export interface TemplateContext {
  workspaceName: string;
  /** The dashboard, where every notice's details are. */
  dashboardUrl: string;
  unsubscribeUrl: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** What a notice says: a subject, a few paragraphs, and where to act. Both bodies are made from it. */
interface Notice {
  subject: string;
  paragraphs: string[];
  action: { label: string; url: string };
}

type Data = Record<string, unknown>;

const credits = (value: unknown) => `${Number(value).toLocaleString('en-US', { maximumFractionDigits: 3 })} credits`;
const day = (value: unknown) => (typeof value === 'string' ? value.slice(0, 10) : '');
const period = (data: Data) => `the period ${day(data.periodStart)} to ${day(data.periodEnd)}`;

/** The events people are told of by e-mail, beside the webhooks: the ones with a notice here. */
const NOTICES: Partial<Record<EventType, (data: Data, context: TemplateContext) => Notice>> = {
  'credits.low': (data, context) => ({
    subject: `${context.workspaceName}: credits are running low`,
    paragraphs: [
      `${context.workspaceName} has ${credits(data.available)} left, at or under its low-credit threshold of ${credits(data.threshold)}.`,
      'Add credits or change the plan before they run out: agents stop answering at zero.',
    ],
    action: { label: 'Add credits', url: `${context.dashboardUrl}/upgrade` },
  }),
  'credits.depleted': (data, context) => ({
    subject: `${context.workspaceName}: credits are used up`,
    paragraphs: [
      `${context.workspaceName} has ${credits(data.available)} left: its agents cannot answer until credits are added.`,
    ],
    action: { label: 'Add credits', url: `${context.dashboardUrl}/upgrade` },
  }),
  'usage.level_reached': (data, context) => ({
    subject:
      data.kind === 'used_percent'
        ? `${context.workspaceName}: ${data.level}% of this period's credits used`
        : `${context.workspaceName}: ${credits(data.level)} or less left`,
    paragraphs: [
      data.kind === 'used_percent'
        ? `${context.workspaceName} has used ${data.usedPercent ?? data.level}% of the credits of ${period(data)}.`
        : `${context.workspaceName} is down to ${credits(data.creditsLeft)} in ${period(data)}.`,
      `${credits(data.creditsLeft)} are left.`,
    ],
    action: { label: 'See usage', url: context.dashboardUrl },
  }),
  'limit.reached': (data, context) => {
    const who = data.scope === 'agent' ? `Agent ${String(data.agentId)}` : context.workspaceName;
    return {
      subject: `${context.workspaceName}: ${data.scope === 'agent' ? `agent ${String(data.agentId)}` : 'workspace'} spend limit reached`,
      paragraphs: [
        `${who} has used ${credits(data.used)} of its ${credits(data.limit)} limit for ${period(data)}.`,
        data.mode === 'block'
          ? 'Further charges over the limit are refused until the next period or a higher limit.'
          : 'The limit only alerts: nothing is blocked.',
      ],
      action: { label: 'Review limits', url: `${context.dashboardUrl}/upgrade` },
    };
  },
  'auto_top_up.succeeded': (data, context) => ({
    subject: `${context.workspaceName}: ${credits(data.credits)} added by auto top-up`,
    paragraphs: [
      `Auto top-up bought the ${String(data.pack)} pack: ${credits(data.credits)} were added to ${context.workspaceName}.`,
    ],
    action: { label: 'See balance', url: context.dashboardUrl },
  }),
  'auto_top_up.failed': (data, context) => ({
    subject: `${context.workspaceName}: auto top-up failed`,
    paragraphs: [
      `Auto top-up could not buy the ${String(data.pack)} pack for ${context.workspaceName}: ${String(data.error)}.`,
      'It will not try again for this drop; check the payment method.',
    ],
    action: {
      label: 'Fix payment',
      url: typeof data.actionUrl === 'string' ? data.actionUrl : `${context.dashboardUrl}/upgrade`,
    },
  }),
};

export function hasEmailTemplate(type: EventType): boolean {
  return NOTICES[type] !== undefined;
}

const FOOTER = (context: TemplateContext) =>
  `You get this because you can sign in to ${context.workspaceName}'s usage dashboard.`;

/** The mail for one event, in plain text and HTML; null for an event type no mail is written for. */
export function renderEmail(type: string, data: Data, context: TemplateContext): RenderedEmail | null {
  const notice = NOTICES[type as EventType]?.(data, context);
  if (!notice) return null;
  const text = [
    ...notice.paragraphs,
    `${notice.action.label}: ${notice.action.url}`,
    '--',
    FOOTER(context),
    `Unsubscribe: ${context.unsubscribeUrl}`,
    '',
  ].join('\n\n');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(notice.subject)}</title></head>
<body style="font:15px/1.5 system-ui,sans-serif;color:#1f2933;max-width:36rem;margin:0 auto;padding:1.5rem">
${notice.paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`).join('\n')}
<p><a href="${escapeHtml(notice.action.url)}" style="display:inline-block;padding:.5rem 1rem;background:#2563eb;color:#fff;border-radius:6px;text-decoration:none">${escapeHtml(notice.action.label)}</a></p>
<hr style="border:none;border-top:1px solid #e5e7eb">
<p style="font-size:13px;color:#6b7280">${escapeHtml(FOOTER(context))} <a href="${escapeHtml(context.unsubscribeUrl)}">Unsubscribe</a></p>
</body></html>
`;
  return { subject: notice.subject, text, html };
}
