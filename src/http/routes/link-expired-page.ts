import { escapeHtml } from '../../domain/html.ts';

/** The page a spent or expired dashboard link answers with (410): what happened and what to do. */
export function linkExpiredPage(returnUrl: string | null): string {
  const back = returnUrl
    ? `<p><a href="${escapeHtml(returnUrl)}" target="_top" data-testid="return-link">Back to ${escapeHtml(new URL(returnUrl).host)}</a>, and open the usage dashboard from there again for a new link.</p>`
    : '<p>Go back to the app that sent you here and open the usage dashboard again for a new link.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Link expired · Tally</title>
<style>body{font:16px/1.5 system-ui,sans-serif;color:#1f2933;max-width:32rem;margin:15vh auto;padding:0 1.5rem}h1{font-size:1.4rem}</style>
</head>
<body>
<main>
<h1>This link has expired</h1>
<p>Dashboard links work once, for a few minutes, so that nobody else can use them.</p>
${back}
</main>
</body>
</html>
`;
}
