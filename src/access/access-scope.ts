// Nodes of the tenant tree (docs/access.md): `/` (the provider), `/r/<reseller>` and
// `/r/<reseller>/c/<customer>`. A grant on a node covers the node and everything below it.
import { error } from '../diag/index.js';
import type { Diagnostic } from '../diag/index.js';
import type { Level } from './access-roles.js';

export type ScopePath = string;

export interface Scope {
  path: ScopePath;
  level: Level;
  reseller?: string;
  customer?: string;
}

const NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The scope `path` names, or a diagnostic for `field`. */
export function parseScope(path: string, field = 'scope'): Scope | Diagnostic {
  if (path === '/') return { path, level: 'provider' };
  const m = /^\/r\/([^/]+)(?:\/c\/([^/]+))?$/.exec(path);
  if (!m || !NAME.test(m[1]!) || (m[2] !== undefined && !NAME.test(m[2])))
    return error(
      'USAGE',
      `scope '${path}' is not a node of the tree: '/', '/r/<reseller>' or '/r/<reseller>/c/<customer>'`,
      { field },
    );
  return m[2] === undefined
    ? { path, level: 'reseller', reseller: m[1]! }
    : { path, level: 'customer', reseller: m[1]!, customer: m[2] };
}

export function scopePath(reseller?: string, customer?: string): ScopePath {
  if (reseller === undefined) return '/';
  return customer === undefined ? `/r/${reseller}` : `/r/${reseller}/c/${customer}`;
}

/** True when `inner` is `outer` or below it. */
export function isWithin(inner: ScopePath, outer: ScopePath): boolean {
  if (outer === '/') return true;
  return inner === outer || inner.startsWith(`${outer}/`);
}
