// The portal's one way to the server: same-origin fetch with the session cookie, the session's
// CSRF token on every write, and problem+json answers turned into ApiError (docs/api.md).

export interface Grant {
  role: string;
  scope: string;
  actions: string[];
}

export interface Session {
  user: string;
  login: string;
  csrfToken: string;
  expiresAt: string;
  grants: Grant[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: { summary: string; field?: string }[] = [],
  ) {
    super(message);
  }
}

let csrfToken = '';

export function useCsrfToken(token: string): void {
  csrfToken = token;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const data: unknown = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    const p = (data ?? {}) as {
      code?: string;
      detail?: string;
      errors?: { summary: string; field?: string }[];
    };
    throw new ApiError(res.status, p.code ?? 'HTTP', p.detail ?? res.statusText, p.errors ?? []);
  }
  return data as T;
}

export const get = <T>(path: string): Promise<T> => call<T>('GET', path);
export const post = <T>(path: string, body?: unknown): Promise<T> => call<T>('POST', path, body);

/** Every item of a paged list of /api/v1 (docs/api.md: items + nextPageToken). */
export async function getAll<T>(path: string): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await get<{ items: T[]; nextPageToken?: string }>(
      `/api/v1${path}${sep}pageSize=500${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`,
    );
    items.push(...page.items);
    token = page.nextPageToken;
  } while (token);
  return items;
}

export const api = <T>(path: string): Promise<T> => get<T>(`/api/v1${path}`);

/** The tree node of a customer (docs/access.md). */
export const customerNode = (reseller: string, customer: string): string => `/r/${reseller}/c/${customer}`;

/** Whether one of the grants allows `action` at `node` (a grant covers its node and below). */
export function allows(session: Session, action: string, node: string): boolean {
  return session.grants.some(
    (g) =>
      g.actions.includes(action) && (g.scope === '/' || node === g.scope || node.startsWith(`${g.scope}/`)),
  );
}

/** The highest level the session's grants reach: what the home page shows. */
export function levelOf(session: Session): {
  level: 'provider' | 'reseller' | 'customer' | 'none';
  scope?: string;
} {
  const scopes = session.grants.map((g) => g.scope);
  if (scopes.includes('/')) return { level: 'provider', scope: '/' };
  const reseller = scopes.find((s) => /^\/r\/[^/]+$/.test(s));
  if (reseller) return { level: 'reseller', scope: reseller };
  const customer = scopes.find((s) => /^\/r\/[^/]+\/c\/[^/]+$/.test(s));
  if (customer) return { level: 'customer', scope: customer };
  return { level: 'none' };
}
