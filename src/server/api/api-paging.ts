// Paging of lists (docs/api.md): items ordered by a key; a page token is the base64url of the last
// key a page held, opaque to clients. A page continues after that key, so items added or removed
// between two pages neither repeat nor shift the rest.
import { error } from '../../diag/index.js';
import type { Diagnostic } from '../../diag/index.js';
import { DEFAULT_PAGE_SIZE } from './api-schemas.js';

export function pageTokenOf(lastKey: string): string {
  return Buffer.from(JSON.stringify({ after: lastKey })).toString('base64url');
}

/** The key a page token continues after, or a diagnostic for the field `query.pageToken`. */
export function afterKeyOf(token: string): string | Diagnostic {
  const bad = error('USAGE', 'pageToken is not a token this API gave', { field: 'query.pageToken' });
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return bad;
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    return typeof v.after === 'string' ? v.after : bad;
  } catch {
    return bad;
  }
}

export function pageOf<T>(
  items: readonly T[],
  key: (item: T) => string,
  opts: { pageSize?: number; after?: string },
): { items: T[]; nextPageToken?: string } {
  const size = opts.pageSize ?? DEFAULT_PAGE_SIZE;
  const keyed = items.map((item) => ({ item, k: key(item) })).sort((a, b) => compare(a.k, b.k));
  const rest = opts.after === undefined ? keyed : keyed.filter((x) => compare(x.k, opts.after!) > 0);
  const page = rest.slice(0, size);
  return {
    items: page.map((x) => x.item),
    ...(rest.length > size ? { nextPageToken: pageTokenOf(page.at(-1)!.k) } : {}),
  };
}

// code-unit order, the same on every machine (localeCompare is not)
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
