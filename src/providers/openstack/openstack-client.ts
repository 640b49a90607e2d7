import { z } from 'zod';
import { DiagnosticsError } from '../../diag/index.js';
import { ProviderError } from '../provider-error.js';
import { loadCloudConfig } from './clouds-config.js';
import type { CloudConfig, CloudTls } from './clouds-config.js';
import { createHttpTransport, isConnectionLost } from '../http-transport.js';
import type { HttpMethod, HttpResponse, HttpTransport, RetryPolicy } from '../http-transport.js';
import { KeystoneSession } from './keystone-auth.js';
import { errorFromResponse, parseBody } from './openstack-errors.js';

/** The services Aare talks to, by their catalog type. */
export type ServiceType = 'compute' | 'network' | 'image' | 'identity';

/**
 * The compute microversion Aare speaks unless told otherwise: 2.79 (Train) has server tags
 * (2.26, on create since 2.52), `user_data` for admins (2.3) and the flavor in the server body
 * (2.47). Zed offers up to 2.93.
 */
export const DEFAULT_COMPUTE_MICROVERSION = '2.79';

export type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

export interface CallOptions {
  query?: Query;
  body?: unknown;
  /** Compute microversion for this call (defaults to the client's). */
  microversion?: string;
  /** Whether the call may be repeated (see HttpRequest.idempotent). */
  idempotent?: boolean;
  /** Send on a new connection (see HttpRequest.freshConnection). */
  freshConnection?: boolean;
  signal?: AbortSignal;
  /** `create server web1`: used in error messages. */
  what?: string;
  /** The Aare address the call is about, for error messages. */
  address?: string;
  extraHeaders?: Record<string, string>;
}

export interface OpenStackClientOptions {
  cloud: CloudConfig;
  transport?: HttpTransport;
  retry?: Partial<RetryPolicy>;
  computeMicroversion?: string;
  refreshBeforeMs?: number;
}

/**
 * A thin client over one cloud: a Keystone session, endpoints from its catalog, JSON calls with
 * typed errors, and pagination. The per-service modules (`nova-servers.ts`, `neutron-*.ts`,
 * `glance-images.ts`, `keystone-projects.ts`) build on `call` and `list`.
 */
export class OpenStackClient {
  readonly session: KeystoneSession;
  readonly transport: HttpTransport;
  readonly computeMicroversion: string;
  private readonly endpoints = new Map<ServiceType, string>();

  constructor(opts: OpenStackClientOptions) {
    this.transport =
      opts.transport ??
      createHttpTransport({
        unavailableCode: 'OPENSTACK_UNAVAILABLE',
        ...(opts.retry ? { retry: opts.retry } : {}),
        ...(opts.cloud.tls ? { tls: tlsOptions(opts.cloud.tls) } : {}),
      });
    this.session = new KeystoneSession({
      cloud: opts.cloud,
      transport: this.transport,
      ...(opts.refreshBeforeMs === undefined ? {} : { refreshBeforeMs: opts.refreshBeforeMs }),
    });
    this.computeMicroversion = opts.computeMicroversion ?? DEFAULT_COMPUTE_MICROVERSION;
  }

  get cloud(): CloudConfig {
    return this.session.cloud;
  }

  /** The versioned base URL of a service: `.../v2.1` (compute), `.../v2.0` (network), `.../v2` (image), `.../v3`. */
  async baseUrl(service: ServiceType, signal?: AbortSignal): Promise<string> {
    const known = this.endpoints.get(service);
    if (known) return known;
    const url = versioned(service, await this.session.endpoint(service, signal));
    this.endpoints.set(service, url);
    return url;
  }

  /**
   * One call. Resolves with the response for 2xx; any other status throws `ProviderError` with
   * the status and OpenStack's message. A 401 with a cached token re-authenticates once.
   */
  async call(
    service: ServiceType,
    method: HttpMethod,
    path: string,
    opts: CallOptions = {},
  ): Promise<HttpResponse> {
    const url = withQuery(
      path.startsWith('http') ? path : `${await this.baseUrl(service, opts.signal)}${path}`,
      opts.query,
    );
    for (let attempt = 0; ; attempt++) {
      const token = await this.session.token(opts.signal);
      const headers: Record<string, string> = { 'X-Auth-Token': token.id, ...opts.extraHeaders };
      if (service === 'compute') {
        const mv = opts.microversion ?? this.computeMicroversion;
        headers['OpenStack-API-Version'] = `compute ${mv}`;
        headers['X-OpenStack-Nova-API-Version'] = mv;
      }
      const res = await this.transport.request({
        method,
        url,
        headers,
        body: opts.body,
        ...(opts.idempotent === undefined ? {} : { idempotent: opts.idempotent }),
        ...(opts.freshConnection ? { freshConnection: true } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      if (res.status === 401 && attempt === 0) {
        this.session.invalidate(token.id);
        continue;
      }
      if (res.status >= 200 && res.status < 300) return res;
      throw errorFromResponse(res, {
        method,
        url,
        ...(opts.what ? { what: opts.what } : {}),
        ...(opts.address ? { address: opts.address } : {}),
      });
    }
  }

  /** A call whose JSON answer is checked against `schema`. */
  async json<S extends z.ZodType>(
    service: ServiceType,
    method: HttpMethod,
    path: string,
    schema: S,
    opts: CallOptions = {},
  ): Promise<z.infer<S>> {
    const res = await this.call(service, method, path, opts);
    return parseBody(schema, res.body, { method, url: path, ...(opts.what ? { what: opts.what } : {}) });
  }

  /** GET that answers `undefined` for 404 (the object is gone), the parsed body otherwise. */
  async getOrUndefined<S extends z.ZodType>(
    service: ServiceType,
    path: string,
    schema: S,
    opts: CallOptions = {},
  ): Promise<z.infer<S> | undefined> {
    try {
      return await this.json(service, 'GET', path, schema, opts);
    } catch (err) {
      if (err instanceof ProviderError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** DELETE that treats 404 as done (deleting what is gone succeeds). */
  async deleteIfExists(service: ServiceType, path: string, opts: CallOptions = {}): Promise<boolean> {
    try {
      await this.call(service, 'DELETE', path, opts);
      return true;
    } catch (err) {
      if (err instanceof ProviderError && err.status === 404) return false;
      throw err;
    }
  }

  /**
   * Every item of a collection, following the service's pagination: `limit`/`marker` with
   * `<key>_links` rel=next (Nova, Neutron), or `next` (Glance). Keystone returns everything at once.
   */
  async list<S extends z.ZodType>(
    service: ServiceType,
    path: string,
    key: string,
    itemSchema: S,
    opts: CallOptions & { pageSize?: number; max?: number } = {},
  ): Promise<z.infer<S>[]> {
    const items: z.infer<S>[] = [];
    const pageSchema = z.record(z.string(), z.unknown());
    let url: string | undefined = path;
    let query: Query | undefined =
      opts.pageSize === undefined || service === 'identity'
        ? opts.query
        : { ...opts.query, limit: opts.pageSize };
    const seen = new Set<string>();
    while (url !== undefined) {
      const page = await this.json(service, 'GET', url, pageSchema, { ...opts, ...(query ? { query } : {}) });
      const raw = page[key];
      const batch = parseBody(z.array(itemSchema), raw, { method: 'GET', url: path, what: `list ${key}` });
      items.push(...batch);
      if (opts.max !== undefined && items.length >= opts.max) return items.slice(0, opts.max);
      const next = nextLink(page, key);
      if (next === undefined || batch.length === 0 || seen.has(next)) break;
      seen.add(next);
      url = await this.resolveNext(service, next, opts.signal);
      query = undefined;
    }
    return items;
  }

  private async resolveNext(service: ServiceType, next: string, signal?: AbortSignal): Promise<string> {
    if (/^https?:/.test(next)) return next;
    // Glance: `/v2/images?marker=...`, relative to the unversioned endpoint
    const base = await this.session.endpoint(service, signal);
    const root = base.replace(/\/v[0-9.]+$/, '');
    return `${root}${next}`;
  }
}

/**
 * Runs a create (a POST, which is not idempotent) so that a lost connection neither fails the
 * create nor makes a second object. When the connection closed before the answer, the request
 * may or may not have reached the server: `lookup` asks for the object by what makes it unique
 * (and must answer only an object that carries what this create sent, never a stranger's of the
 * same name); a found object is adopted, else the create is sent once more, on a new connection.
 * If that second create is refused as a conflict (the first one was still being processed when
 * looked up), one more lookup adopts it. Without a `lookup` (nothing identifies the object) the
 * lost connection is thrown as `ConnectionLostError`. Any other failure is thrown unchanged.
 */
export async function createOnce<T>(
  create: (retry: Pick<CallOptions, 'freshConnection'>) => Promise<T>,
  lookup: (() => Promise<T | undefined>) | undefined,
): Promise<T> {
  try {
    return await create({});
  } catch (err) {
    if (!isConnectionLost(err) || lookup === undefined) throw err;
  }
  const found = await lookup();
  if (found !== undefined) return found;
  try {
    return await create({ freshConnection: true });
  } catch (err) {
    if (!(err instanceof ProviderError && err.status === 409)) throw err;
    const late = await lookup();
    if (late === undefined) throw err;
    return late;
  }
}

/**
 * Builds a client from clouds.yaml / OS_CLOUD / OS_* variables of the environment it is given (the
 * composition root's, read once); a config mistake throws DiagnosticsError.
 */
export function openStackClientFromEnv(
  opts: { cloud?: string; env: NodeJS.ProcessEnv } & Omit<OpenStackClientOptions, 'cloud'>,
): OpenStackClient {
  const { value, diagnostics } = loadCloudConfig({
    ...(opts.cloud ? { cloud: opts.cloud } : {}),
    env: opts.env,
  });
  if (!value) throw new DiagnosticsError(diagnostics);
  return new OpenStackClient({ ...opts, cloud: value });
}

function tlsOptions(tls: CloudTls): { ca?: string; rejectUnauthorized?: boolean } {
  if (!tls.verify) return { rejectUnauthorized: false };
  return tls.ca ? { ca: tls.ca.pem } : {};
}

function nextLink(page: Record<string, unknown>, key: string): string | undefined {
  const links = page[`${key}_links`];
  if (Array.isArray(links)) {
    for (const l of links as { rel?: unknown; href?: unknown }[]) {
      if (l.rel === 'next' && typeof l.href === 'string') return l.href;
    }
  }
  return typeof page.next === 'string' ? page.next : undefined;
}

function versioned(service: ServiceType, url: string): string {
  const want = { compute: '/v2.1', network: '/v2.0', image: '/v2', identity: '/v3' }[service];
  if (service === 'compute' && /\/v2(\.1)?(\/[0-9a-f]{32})?$/.test(url)) return url;
  return url.endsWith(want) ? url : `${url}${want}`;
}

function withQuery(url: string, query: Query | undefined): string {
  if (!query) return url;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v as readonly string[]) params.append(k, x);
    else params.append(k, String(v));
  }
  const qs = params.toString();
  if (qs === '') return url;
  return `${url}${url.includes('?') ? '&' : '?'}${qs}`;
}
