import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import { TallyError } from '../domain/errors.ts';
import type { App } from './server.ts';

/**
 * The page may load only its own scripts and talk only to this server; charts draw with inline
 * style attributes, hence 'unsafe-inline' for styles alone.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

function pageHeaders(reply: FastifyReply): void {
  reply
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .header('cache-control', 'no-cache');
}

/**
 * The built dashboard (web/dist) at `/`. Hashed assets are cached for good; any other path that is
 * not the API answers with index.html so the page's own routes (/upgrade) survive a reload.
 */
export function dashboardRoutes(webDir: string) {
  return async (app: App) => {
    const index = join(webDir, 'index.html');
    if (!existsSync(index)) {
      app.get('/', { schema: { hide: true } }, async (_request, reply) =>
        reply
          .code(503)
          .type('text/plain; charset=utf-8')
          .send(`The dashboard is not built (no ${index}). Run "npm install" or "npm run build:web", then restart.`),
      );
      return;
    }
    await app.register(fastifyStatic, {
      root: webDir,
      wildcard: false,
      index: false,
      schemaHide: true,
      cacheControl: false,
      setHeaders: (reply, path) => {
        if (path.includes('/assets/')) reply.header('cache-control', 'public, max-age=31536000, immutable');
        else pageHeaders(reply);
      },
    });
    app.get('/*', { schema: { hide: true } }, async (request, reply) => {
      const path = request.url.split('?')[0] ?? '/';
      if (path.startsWith('/v1/') || path === '/v1') {
        throw new TallyError('not_found', `No route ${request.method} ${path}.`);
      }
      pageHeaders(reply);
      return reply.sendFile('index.html');
    });
  };
}
