import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { TallyError } from '../domain/errors.ts';
import { pageHeaders } from './page-headers.ts';
import type { App } from './server.ts';

/**
 * The built dashboard (web/dist) at `/`. Hashed assets are cached for good; any other path that is
 * not the API answers with index.html so the page's own routes (/upgrade) survive a reload.
 */
export function dashboardRoutes(webDir: string, embedOrigins: readonly string[]) {
  const setPageHeaders = pageHeaders(embedOrigins);
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
        else setPageHeaders(reply);
      },
    });
    app.get('/*', { schema: { hide: true } }, async (request, reply) => {
      const path = request.url.split('?')[0] ?? '/';
      if (path.startsWith('/v1/') || path === '/v1') {
        throw new TallyError('not_found', `No route ${request.method} ${path}.`);
      }
      setPageHeaders(reply);
      return reply.sendFile('index.html');
    });
  };
}
