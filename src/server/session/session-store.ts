// The portal's server-side sessions (docs/portal.md). The cookie holds a random secret; the store
// holds only its sha256, the principal, the CSRF token and the expiry. Grants are read again on
// every request, so that a revoked role takes effect at once, not at the session's end.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { grantsOf } from '../../access/index.js';
import type { Store } from '../../store/index.js';
import type { Caller } from '../api/index.js';

/** How long a session lasts from its login. */
export const SESSION_HOURS = 12;
/** How long the provider's login may take between the redirect and the callback. */
const LOGIN_MINUTES = 10;

const secret = (): string => randomBytes(32).toString('base64url');
const hash = (s: string): string => createHash('sha256').update(s).digest('base64url');

export interface Session {
  caller: Caller;
  csrfToken: string;
  login: string;
  expiresAt: string;
}

/** A new session of the user; the cookie value and its CSRF token. */
export async function createSession(
  store: Store,
  principalId: number,
  login: 'password' | 'oidc',
  now: Date,
): Promise<{ cookie: string; csrfToken: string; expiresAt: Date }> {
  const cookie = secret();
  const csrfToken = secret();
  const expiresAt = new Date(now.getTime() + SESSION_HOURS * 3_600_000);
  // sessions that ended are dropped here, on the way: no timer of its own
  await store.db.deleteFrom('web_sessions').where('expires_at', '<', now.toISOString()).execute();
  await store.db
    .insertInto('web_sessions')
    .values({
      id_hash: hash(cookie),
      principal_id: principalId,
      csrf_token: csrfToken,
      login,
      created_at: now.toISOString(),
      expires_at: expiresAt.toISOString(),
    })
    .execute();
  return { cookie, csrfToken, expiresAt };
}

/** The session the cookie names, when it exists, has not expired and its user still does. */
export async function sessionOf(store: Store, cookie: string, now: Date): Promise<Session | undefined> {
  const row = await store.db
    .selectFrom('web_sessions')
    .innerJoin('access_principals', 'access_principals.id', 'web_sessions.principal_id')
    .select([
      'web_sessions.csrf_token',
      'web_sessions.login',
      'web_sessions.expires_at',
      'access_principals.id',
      'access_principals.name',
      'access_principals.kind',
      'access_principals.created_by',
      'access_principals.created_at',
    ])
    .where('web_sessions.id_hash', '=', hash(cookie))
    .where('access_principals.kind', '=', 'user')
    .executeTakeFirst();
  if (!row || row.expires_at <= now.toISOString()) return undefined;
  return {
    caller: {
      principal: {
        id: row.id,
        kind: row.kind,
        name: row.name,
        createdBy: row.created_by,
        createdAt: row.created_at,
      },
      grants: await grantsOf(store, row.id),
      actor: `user:${row.name}`,
    },
    csrfToken: row.csrf_token,
    login: row.login,
    expiresAt: row.expires_at,
  };
}

export async function endSession(store: Store, cookie: string): Promise<void> {
  await store.db.deleteFrom('web_sessions').where('id_hash', '=', hash(cookie)).execute();
}

/** Whether the header carries the session's CSRF token (compared in constant time). */
export function csrfMatches(session: Session, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string') return false;
  const a = Buffer.from(header);
  const b = Buffer.from(session.csrfToken);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** Records a login started at the provider; the cookie value that binds it to this browser. */
export async function startLogin(store: Store, login: PendingLogin, now: Date): Promise<string> {
  const cookie = secret();
  await store.db.deleteFrom('web_logins').where('expires_at', '<', now.toISOString()).execute();
  await store.db
    .insertInto('web_logins')
    .values({
      id_hash: hash(cookie),
      state: login.state,
      nonce: login.nonce,
      code_verifier: login.codeVerifier,
      expires_at: new Date(now.getTime() + LOGIN_MINUTES * 60_000).toISOString(),
    })
    .execute();
  return cookie;
}

/** The pending login the cookie names, taken (a callback is answered once). */
export async function takeLogin(store: Store, cookie: string, now: Date): Promise<PendingLogin | undefined> {
  const row = await store.db
    .deleteFrom('web_logins')
    .where('id_hash', '=', hash(cookie))
    .returningAll()
    .executeTakeFirst();
  if (!row || row.expires_at <= now.toISOString()) return undefined;
  return { state: row.state, nonce: row.nonce, codeVerifier: row.code_verifier };
}
