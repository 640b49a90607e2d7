// The fastify app factory of `aare serve`. Plugins add their routes (the repository service and
// the API under /api/v1; the web UI later). Downloads under /repos/ and /keys/ take a fast path on raw
// node:http before fastify's routing, since they are most of the traffic.
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { RepoService } from '../repo/index.js';
import { apiPlugin } from './api/index.js';
import type { ApiOptions } from './api/index.js';
import {
  PROBLEM_TYPE,
  problem,
  problemOfError,
  rawProblemResponse,
  sendError,
  sendProblem,
} from './http-problem.js';
import { portalRoutes } from './portal-routes.js';
import { repoDownloadHandler, repoRoutes } from './repo-routes.js';
import { sessionRoutes } from './session/index.js';
import type { OidcOptions } from './session/index.js';
import type { UploadOptions } from './upload-gate.js';

export interface ServerOptions {
  repo: RepoService;
  stateDir: string;
  /**
   * The base URL clients reach this server at (aare.yaml's `endpoints.repository.baseUrl`).
   * Every absolute URL in an answer comes from it; the request's Host header is never used.
   */
  publicUrl: string;
  /** Uploads over HTTP; absent (the default), the upload route answers 403. */
  upload?: UploadOptions;
  /** Connection timeouts; the defaults suit a server on the public internet. */
  timeouts?: Partial<ServerTimeouts>;
  /** pino logger options, or false (default) for none. */
  logger?: boolean | object;
  /** The API under /api/v1 (docs/api.md); absent, only the repository routes are served. */
  api?: ApiOptions;
  /**
   * The portal (docs/portal.md), with the API: its login routes under /auth, and its page at /
   * from `webDir` (the bundle scripts/build.mjs makes) when given.
   */
  portal?: { webDir?: string; oidc?: OidcOptions };
}

/** Milliseconds. */
export interface ServerTimeouts {
  /** From a request's first byte to the end of its headers: slow-header clients are cut here. */
  headers: number;
  /** From a request's first byte to the end of its body (uploads must arrive within it). */
  request: number;
  /** An idle connection between two requests. */
  keepAlive: number;
  /** A connection on which no byte moves either way (a stalled upload or download). */
  idle: number;
}

export const DEFAULT_TIMEOUTS: Readonly<ServerTimeouts> = {
  headers: 4_000,
  request: 600_000,
  keepAlive: 5_000,
  idle: 30_000,
};

export async function createServerApp(opts: ServerOptions): Promise<FastifyInstance> {
  const routeOpts = {
    repo: opts.repo,
    stateDir: opts.stateDir,
    publicUrl: opts.publicUrl,
    upload: opts.upload,
  };
  const t = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const fast = repoDownloadHandler(routeOpts);
  let fastifyHandler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const firstHeaders = new WeakMap<Socket, NodeJS.Timeout>();
  // set as close() begins: requests still arriving on open connections are refused from then
  let closing = false;
  const app = Fastify({
    logger: opts.logger ?? false,
    // fastify's own refusals (a bad URL, a request that never finished, a request while closing)
    // answer in its JSON shape: they take the one problem+json path instead
    frameworkErrors: (err, _req, reply) => {
      reply.hijack();
      sendProblem(reply.raw, problemOfError(err));
    },
    clientErrorHandler: (err: NodeJS.ErrnoException, socket) => {
      if (err.code === 'ECONNRESET' || socket.destroyed) return;
      if (socket.writable) {
        socket.write(
          err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? rawProblemResponse('REQUEST_TIMEOUT', 'the request did not arrive in time')
            : err.code === 'HPE_HEADER_OVERFLOW'
              ? rawProblemResponse(
                  'HEADERS_TOO_LARGE',
                  'the request headers are larger than this server reads',
                )
              : rawProblemResponse('USAGE', 'the request is not valid HTTP'),
        );
      }
      socket.destroy(err);
    },
    return503OnClosing: false,
    serverFactory: (handler) => {
      fastifyHandler = handler;
      const server: Server = createHttpServer(
        {
          headersTimeout: t.headers,
          requestTimeout: t.request,
          // how often the two above are checked: a timed-out client is cut within this much more
          connectionsCheckingInterval: Math.min(500, t.headers),
        },
        (req, res) => {
          if (closing) {
            sendError(res, 'SERVER_CLOSING', 'the server is shutting down; retry', { connection: 'close' });
            return;
          }
          if (req.socket.timeout !== t.idle) {
            req.socket.setTimeout(t.idle);
            clearTimeout(firstHeaders.get(req.socket));
          }
          if ((req.method === 'GET' || req.method === 'HEAD') && req.url && isDownload(req.url)) {
            fast(req, res).then(
              (handled) => {
                if (!handled) fastifyHandler?.(req, res);
              },
              () => {
                if (!res.headersSent) sendError(res, 'INTERNAL', 'internal error');
                else res.destroy();
              },
            );
            return;
          }
          handler(req, res);
        },
      );
      server.keepAliveTimeout = t.keepAlive;
      server.setTimeout(t.idle);
      // headersTimeout starts with a request's first byte: a connection that sends nothing at
      // all is cut by inactivity instead, as early; its first request restores the idle timeout
      server.on('connection', (socket: Socket) => {
        socket.setTimeout(t.headers);
        // a backstop for the first request's headers: Node's own check (connectionsCheckingInterval)
        // once left a dripping slow-header client connected for minutes in a loaded test run
        const deadline = setTimeout(() => {
          if (!socket.destroyed)
            socket.end(rawProblemResponse('REQUEST_TIMEOUT', 'the request did not arrive in time'));
          socket.destroySoon();
        }, t.headers + 1_000).unref();
        socket.once('close', () => clearTimeout(deadline));
        firstHeaders.set(socket, deadline);
      });
      return server;
    },
  });
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  // the request's URL is not echoed: an absolute-form URL would carry the client's host name
  app.setNotFoundHandler((_req, reply) =>
    reply.code(404).type(PROBLEM_TYPE).send(problem('NOT_FOUND', 'no such route')),
  );
  app.setErrorHandler((err, req, reply) => {
    const p = problemOfError(err);
    if (p.code === 'INTERNAL') req.log.error(err);
    return reply.code(p.status).type(PROBLEM_TYPE).send(p);
  });
  await app.register(repoRoutes, routeOpts);
  if (opts.api) await app.register(apiPlugin(opts.api));
  if (opts.api && opts.portal) {
    await app.register(
      sessionRoutes({
        app: opts.api.app,
        publicUrl: opts.publicUrl,
        ...(opts.portal.oidc ? { oidc: opts.portal.oidc } : {}),
      }),
    );
    if (opts.portal.webDir) await app.register(portalRoutes(opts.portal.webDir));
  }
  return app;
}

const isDownload = (url: string): boolean => url.startsWith('/repos/') || url.startsWith('/keys/');
