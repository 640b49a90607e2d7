/**
 * The HTTP server of `aare serve`: a fastify app factory and its plugins (the repository
 * service's downloads and upload API, the API under /api/v1; the web UI later). Thin: it parses requests and
 * calls the layers below; it holds no state of its own beyond caches of immutable data. It
 * trusts nothing from the client: absolute URLs come from the configured public base URL, and
 * uploads need a token and stay within fixed limits.
 */
export { createServerApp, DEFAULT_TIMEOUTS } from './server-app.js';
export type { ServerOptions, ServerTimeouts } from './server-app.js';
export { repoRoutes, repoDownloadHandler, distributionsJson, PUBLIC_KEY_PATH } from './repo-routes.js';
export type { RepoRoutesOptions } from './repo-routes.js';
export { DEFAULT_MAX_CONCURRENT_UPLOADS, DEFAULT_MAX_UPLOAD_BYTES } from './upload-gate.js';
export type { UploadOptions } from './upload-gate.js';
export { sendFile, contentTypeOf } from './static-file-sender.js';
export { problem, PROBLEM_TYPE } from './http-problem.js';
export type { Problem } from './http-problem.js';
export { sessionRoutes, sessionCaller, CSRF_HEADER, SESSION_COOKIE } from './session/index.js';
export type { SessionOptions, OidcOptions } from './session/index.js';
export { portalRoutes } from './portal-routes.js';
export { apiPlugin, apiRoutes, openApiDocument, API_PREFIX } from './api/index.js';
export type { ApiOptions, ApiRoute } from './api/index.js';
