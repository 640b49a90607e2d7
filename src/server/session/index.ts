/**
 * The portal's sessions (docs/portal.md): login by local password or OpenID Connect, a
 * server-side session named by an HttpOnly cookie, and the CSRF token every write with that
 * cookie must carry. It decides no access: a session only names the user, whose grants
 * src/access reads on every request.
 */
export { sessionRoutes, sessionCaller, CSRF_HEADER } from './session-routes.js';
export type { SessionOptions } from './session-routes.js';
export type { OidcOptions } from './oidc-login.js';
export { SESSION_COOKIE } from './session-cookie.js';
