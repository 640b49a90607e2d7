// The portal's login routes under /auth (docs/portal.md): a local password (the user's scrypt
// password) or OpenID Connect, each ending in a server-side session; the session's CSRF token for
// the portal's writes; and logout. Every failed login is the same answer, whatever failed.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { actionsOf, authenticatePassword } from '../../access/index.js';
import type { AppContext } from '../../app/index.js';
import { PROBLEM_TYPE, problem } from '../http-problem.js';
import type { Problem } from '../http-problem.js';
import { oidcLogin } from './oidc-login.js';
import type { OidcOptions } from './oidc-login.js';
import { clearCookie, cookieValue, LOGIN_COOKIE, SESSION_COOKIE, setCookie } from './session-cookie.js';
import {
  createSession,
  csrfMatches,
  endSession,
  SESSION_HOURS,
  sessionOf,
  startLogin,
  takeLogin,
} from './session-store.js';
import type { Session } from './session-store.js';

export interface SessionOptions {
  app: AppContext;
  /** The base URL the browser reaches `aare serve` at: the OIDC redirect URI is built from it. */
  publicUrl: string;
  /** Login through this OpenID Connect provider; absent, only local passwords. */
  oidc?: OidcOptions;
}

export const CSRF_HEADER = 'x-csrf-token';

const LOGIN_FAILED = problem('LOGIN_FAILED', 'the user name or password is wrong');
const NO_SESSION = problem('UNAUTHENTICATED', 'not logged in');
const CSRF = problem('CSRF_REFUSED', `a write needs the session's CSRF token in the ${CSRF_HEADER} header`);

const send = (reply: FastifyReply, p: Problem): FastifyReply =>
  reply.code(p.status).type(PROBLEM_TYPE).send(p);

const loginBody = z.strictObject({ name: z.string().min(1).max(128), password: z.string().min(1).max(1024) });

/**
 * The session of a request without an Authorization header, for the API: its caller, or `csrf`
 * when it is a write without the session's CSRF token (a forged cross-site request), or
 * undefined when the request has no live session.
 */
export async function sessionCaller(
  app: AppContext,
  req: FastifyRequest,
): Promise<Session | 'csrf' | undefined> {
  const cookie = cookieValue(req.headers.cookie, SESSION_COOKIE);
  if (!cookie) return undefined;
  const session = await sessionOf(await app.store(), cookie, app.config.now());
  if (!session) return undefined;
  if (req.method !== 'GET' && req.method !== 'HEAD' && !csrfMatches(session, req.headers[CSRF_HEADER]))
    return 'csrf';
  return session;
}

function sessionAnswer(s: { name: string; login: string; csrfToken: string; expiresAt: string }) {
  return { user: s.name, login: s.login, csrfToken: s.csrfToken, expiresAt: s.expiresAt };
}

export function sessionRoutes(opts: SessionOptions) {
  const oidc = opts.oidc ? oidcLogin(opts.oidc) : undefined;
  const redirectUri = `${opts.publicUrl}/auth/oidc/callback`;
  const now = () => opts.app.config.now();
  const maxAge = SESSION_HOURS * 3600;
  return async (fastify: FastifyInstance): Promise<void> => {
    fastify.get('/auth/config', (_req, reply) =>
      reply.header('cache-control', 'no-store').send({ password: true, oidc: oidc !== undefined }),
    );
    fastify.get('/auth/session', async (req, reply) => {
      const s = await sessionCaller(opts.app, req);
      reply.header('cache-control', 'no-store');
      if (!s || s === 'csrf') return send(reply, NO_SESSION);
      return reply.send({
        ...sessionAnswer({ name: s.caller.principal.name, ...s }),
        // what each grant allows, so that the portal shows only the buttons that would work
        grants: s.caller.grants.map((g) => ({
          role: g.role,
          scope: g.scope,
          actions: [...actionsOf(g.role)],
        })),
      });
    });
    fastify.post('/auth/login', { bodyLimit: 4096 }, async (req, reply) => {
      const body = loginBody.safeParse(req.body);
      if (!body.success) return send(reply, problem('USAGE', 'the body must be { name, password }'));
      const store = await opts.app.store();
      const user = await authenticatePassword(store, body.data.name, body.data.password);
      if (!user) return send(reply, LOGIN_FAILED);
      const made = await createSession(store, user.principal.id, 'password', now());
      return reply
        .header('set-cookie', setCookie(SESSION_COOKIE, made.cookie, maxAge))
        .header('cache-control', 'no-store')
        .send(
          sessionAnswer({
            name: user.principal.name,
            login: 'password',
            csrfToken: made.csrfToken,
            expiresAt: made.expiresAt.toISOString(),
          }),
        );
    });
    fastify.post('/auth/logout', async (req, reply) => {
      const s = await sessionCaller(opts.app, req);
      if (s === 'csrf') return send(reply, CSRF);
      const cookie = cookieValue(req.headers.cookie, SESSION_COOKIE);
      if (s && cookie) await endSession(await opts.app.store(), cookie);
      return reply.header('set-cookie', clearCookie(SESSION_COOKIE)).code(204).send();
    });
    fastify.get('/auth/oidc/start', async (_req, reply) => {
      if (!oidc) return send(reply, problem('NOT_FOUND', 'no OpenID Connect provider is configured'));
      let started;
      try {
        started = await oidc.start(redirectUri);
      } catch (err) {
        reply.log.warn(err);
        return send(reply, problem('OIDC_UNAVAILABLE', 'the OpenID Connect provider cannot be reached'));
      }
      const cookie = await startLogin(await opts.app.store(), started, now());
      return reply
        .header('set-cookie', setCookie(LOGIN_COOKIE, cookie, 600))
        .header('cache-control', 'no-store')
        .redirect(started.url, 302);
    });
    fastify.get('/auth/oidc/callback', async (req, reply) => {
      const failed = () =>
        reply
          .header('set-cookie', clearCookie(LOGIN_COOKIE))
          .header('cache-control', 'no-store')
          .redirect('/#/login?failed=oidc', 302);
      if (!oidc) return send(reply, problem('NOT_FOUND', 'no OpenID Connect provider is configured'));
      const store = await opts.app.store();
      const cookie = cookieValue(req.headers.cookie, LOGIN_COOKIE);
      const pending = cookie ? await takeLogin(store, cookie, now()) : undefined;
      if (!pending) return failed();
      let subject: string | undefined;
      try {
        subject = await oidc.finish(new URL(req.url, `${opts.publicUrl}/`), pending);
      } catch (err) {
        // a refused or replayed code, a wrong state or nonce: the same failed login for the user
        reply.log.warn(err);
        return failed();
      }
      const user = subject
        ? await store.db
            .selectFrom('access_principals')
            .select('id')
            .where('kind', '=', 'user')
            .where('oidc_subject', '=', subject)
            .executeTakeFirst()
        : undefined;
      if (!user) return failed();
      const made = await createSession(store, user.id, 'oidc', now());
      return reply
        .header('set-cookie', [setCookie(SESSION_COOKIE, made.cookie, maxAge), clearCookie(LOGIN_COOKIE)])
        .header('cache-control', 'no-store')
        .redirect('/', 302);
    });
    return Promise.resolve();
  };
}
