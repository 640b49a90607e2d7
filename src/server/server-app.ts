// The fastify app factory of `aare serve`. Plugins add their routes (the repository service
// now; the web UI and API later). Downloads under /repos/ and /keys/ take a fast path on raw
// node:http before fastify's routing, since they are most of the traffic.
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { RepoService } from '../repo/index.js';
import { repoDownloadHandler, repoRoutes } from './repo-routes.js';
import { sendError } from './static-file-sender.js';

export interface ServerOptions {
  repo: RepoService;
  stateDir: string;
  publicUrl?: string;
  /** pino logger options, or false (default) for none. */
  logger?: boolean | object;
}

export async function createServerApp(opts: ServerOptions): Promise<FastifyInstance> {
  const routeOpts = { repo: opts.repo, stateDir: opts.stateDir, publicUrl: opts.publicUrl };
  const fast = repoDownloadHandler(routeOpts);
  let fastifyHandler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const app = Fastify({
    logger: opts.logger ?? false,
    serverFactory: (handler) => {
      fastifyHandler = handler;
      const server: Server = createHttpServer((req, res) => {
        if ((req.method === 'GET' || req.method === 'HEAD') && req.url && isDownload(req.url)) {
          fast(req, res).then(
            (handled) => {
              if (!handled) fastifyHandler?.(req, res);
            },
            () => {
              if (!res.headersSent) sendError(res, 500, 'internal error');
              else res.destroy();
            },
          );
          return;
        }
        handler(req, res);
      });
      server.keepAliveTimeout = 65_000;
      return server;
    },
  });
  await app.register(repoRoutes, routeOpts);
  return app;
}

const isDownload = (url: string): boolean => url.startsWith('/repos/') || url.startsWith('/keys/');
