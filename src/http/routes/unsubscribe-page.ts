import { escapeHtml } from '../../domain/html.ts';

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Tally</title>
<style>body{font:16px/1.5 system-ui,sans-serif;color:#1f2933;max-width:32rem;margin:15vh auto;padding:0 1.5rem}h1{font-size:1.4rem}button{font:inherit;padding:.5rem 1rem}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`;
}

export interface UnsubscribeSubject {
  email: string;
  workspaceName: string;
}

/**
 * What the link in a mail opens: a button, not the unsubscription itself, because mail scanners open
 * links on their own; the button (and a mail client's one-click POST) does it.
 */
export function unsubscribeConfirmPage(subject: UnsubscribeSubject): string {
  return page(
    'Stop e-mail notices?',
    `<p>${escapeHtml(subject.email)} will no longer get e-mail notices about ${escapeHtml(subject.workspaceName)}'s credits and usage.</p>
<form method="post"><button type="submit" data-testid="unsubscribe">Unsubscribe</button></form>`,
  );
}

export function unsubscribedPage(subject: UnsubscribeSubject): string {
  return page(
    'Unsubscribed',
    `<p>${escapeHtml(subject.email)} will no longer get e-mail notices about ${escapeHtml(subject.workspaceName)}.</p>
<p>Changed your mind? Sign in to the <a href="/">usage dashboard</a> and turn e-mail notices back on.</p>`,
  );
}

export function invalidUnsubscribeLinkPage(): string {
  return page(
    'This link does not work',
    '<p>The unsubscribe link is incomplete or was not sent by this Tally. Open it again from the e-mail, or sign in to the usage dashboard to turn e-mail notices off.</p>',
  );
}
