import type { FastifyReply } from 'fastify';

/**
 * The page may load only its own scripts and talk only to this server; charts draw with inline
 * style attributes, hence 'unsafe-inline' for styles alone. Only the embed origins may frame it.
 */
function contentSecurityPolicy(embedOrigins: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    embedOrigins.length > 0 ? `frame-ancestors 'self' ${embedOrigins.join(' ')}` : "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join('; ');
}

/** Headers for every HTML page Tally serves: the dashboard, and the page of a spent dashboard link. */
export function pageHeaders(embedOrigins: readonly string[]) {
  const policy = contentSecurityPolicy(embedOrigins);
  return (reply: FastifyReply): void => {
    reply
      .header('content-security-policy', policy)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .header('cache-control', 'no-cache');
    // X-Frame-Options cannot name origins (ALLOW-FROM is gone from browsers): with embedding on,
    // frame-ancestors alone decides; without, DENY also stops browsers that predate CSP 2.
    if (embedOrigins.length === 0) reply.header('x-frame-options', 'DENY');
  };
}
