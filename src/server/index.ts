/**
 * The HTTP server of `aare serve`: a fastify app factory and its plugins (the repository
 * service's downloads and API now; the web UI and its API later). Thin: it parses requests and
 * calls the layers below; it holds no state of its own beyond caches of immutable data.
 */
export { createServerApp } from './server-app.js';
export type { ServerOptions } from './server-app.js';
export { repoRoutes, repoDownloadHandler, distributionsJson, PUBLIC_KEY_PATH } from './repo-routes.js';
export type { RepoRoutesOptions } from './repo-routes.js';
export { sendFile, contentTypeOf } from './static-file-sender.js';
