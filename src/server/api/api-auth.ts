// Who is calling (docs/api.md): a bearer API token on every route, and a user's local password
// (HTTP Basic) on the routes of its own tokens only, so that a password, whose check is slow on
// purpose (scrypt), is not a way to load the server on every request. Every refusal is the same
// answer, whatever the reason (unknown, expired, revoked, malformed, wrong password): nothing tells
// a caller which tokens or users exist.
import { authenticatePassword, authenticateToken, tokenIdOf } from '../../access/index.js';
import type { Store } from '../../store/index.js';
import type { Caller } from './api-route.js';

/** The caller, or undefined when the request does not authenticate. */
export async function authenticate(
  store: Store,
  authorization: string | undefined,
  now: Date,
  opts: { password: boolean },
): Promise<Caller | undefined> {
  if (!authorization) return undefined;
  const m = /^(Bearer|Basic) +(\S+)\s*$/i.exec(authorization);
  if (!m) return undefined;
  if (m[1]!.toLowerCase() === 'bearer') {
    const token = m[2]!;
    const r = await authenticateToken(store, token, now);
    if ('refusal' in r) return undefined;
    const id = tokenIdOf(token)!;
    return { principal: r.principal, grants: r.grants, actor: `token:${id}`, tokenId: id };
  }
  if (!opts.password) return undefined;
  const decoded = Buffer.from(m[2]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  const user = await authenticatePassword(store, decoded.slice(0, colon), decoded.slice(colon + 1));
  if (!user) return undefined;
  return { principal: user.principal, grants: user.grants, actor: `user:${user.principal.name}` };
}
