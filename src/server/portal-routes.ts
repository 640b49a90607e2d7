// The portal's files (docs/portal.md): the page at / and the bundle scripts/build.mjs made at
// install time, read into memory once (a few hundred kilobytes), never built at run time. The
// page is a client of /api/v1 like any other; its Content-Security-Policy lets it load only
// its own script and style and talk only to this server.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  map: 'application/json; charset=utf-8',
  svg: 'image/svg+xml',
};

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** The portal's files in `webDir` (dist/web), served at / and /web/<file>. */
export function portalRoutes(webDir: string) {
  const files = new Map<string, Buffer>();
  for (const name of readdirSync(webDir)) {
    if (/^[\w.-]+$/.test(name)) files.set(name, readFileSync(join(webDir, name)));
  }
  const index = files.get('index.html');
  if (!index)
    throw new Error(`the portal bundle in ${webDir} has no index.html (run node scripts/build.mjs)`);
  return async (fastify: FastifyInstance): Promise<void> => {
    const headers = {
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
    };
    fastify.get('/', (_req, reply) =>
      reply
        .headers({ ...headers, 'cache-control': 'no-cache' })
        .type('text/html; charset=utf-8')
        .send(index),
    );
    fastify.get<{ Params: { file: string } }>('/web/:file', (req, reply) => {
      const body = files.get(req.params.file);
      if (!body || req.params.file === 'index.html') return reply.callNotFound();
      return reply
        .headers({ ...headers, 'cache-control': 'no-cache' })
        .type(TYPES[req.params.file.split('.').pop()!] ?? 'application/octet-stream')
        .send(body);
    });
    return Promise.resolve();
  };
}
