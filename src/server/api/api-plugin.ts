// The fastify plugin of /api/v1 (docs/api.md): registers every route of the route table through
// the one handler, and the OpenAPI document generated from the same table.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/index.js';
import { authenticateStep, handlerOf } from './api-handler.js';
import { setJobLogger, startJobLeases, stopJobs } from './api-jobs.js';
import { openApiDocument } from './api-openapi.js';
import { apiRoutes, API_PREFIX } from './api-routes.js';

export interface ApiOptions {
  /** The composition root of `aare serve`: store, control repository, release functions. */
  app: AppContext;
  /** The version the OpenAPI document names (Aare's). */
  version?: string;
}

/** Largest request body the API reads: its bodies are small JSON documents. */
export const API_BODY_LIMIT = 64 * 1024;

export function apiPlugin(opts: ApiOptions) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const document = JSON.stringify(openApiDocument(apiRoutes, { version: opts.version ?? '0.1.0' }));
    fastify.get(`${API_PREFIX}/openapi.json`, (_req, reply) =>
      reply.type('application/json; charset=utf-8').send(document),
    );
    // jobs run in this process: their bugs go to the server's log, and closing stops them
    setJobLogger(opts.app, (err) => fastify.log.error(err));
    fastify.addHook('onClose', () => stopJobs(opts.app));
    // the jobs a killed server left end here, before this server takes new ones
    await startJobLeases(opts.app);
    for (const route of apiRoutes) {
      fastify.route({
        method: route.method,
        url: API_PREFIX + route.path.replace(/\{(\w+)\}/g, ':$1'),
        bodyLimit: API_BODY_LIMIT,
        onRequest: authenticateStep(route, opts.app),
        handler: handlerOf(route, opts.app),
      });
    }
  };
}
