// The PowerDNS Authoritative HTTP API (v1): zones and RRsets of one server, JSON checked with zod.
import { z } from 'zod';
import type { ErrorCode } from '../../diag/index.js';
import { ProviderError } from '../provider-error.js';
import { createHttpTransport } from '../http-transport.js';
import type { HttpMethod, HttpTransport } from '../http-transport.js';

const commentSchema = z.object({
  content: z.string(),
  account: z.string().optional(),
  modified_at: z.number().optional(),
});

const rrsetSchema = z.object({
  name: z.string(),
  type: z.string(),
  ttl: z.number(),
  records: z.array(z.object({ content: z.string(), disabled: z.boolean().optional() })),
  comments: z.array(commentSchema).default([]),
});

const zoneSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  account: z.string().default(''),
  rrsets: z.array(rrsetSchema).optional(),
});

export type PdnsComment = z.infer<typeof commentSchema>;
export type PdnsRRset = z.infer<typeof rrsetSchema>;
export type PdnsZone = z.infer<typeof zoneSchema>;

/** One entry of a PATCH: REPLACE sets the RRset's records (and comments when given), DELETE removes it. */
export type RRsetChange =
  | {
      changetype: 'REPLACE';
      name: string;
      type: string;
      ttl: number;
      records: { content: string; disabled: boolean }[];
      comments?: { content: string; account: string }[];
    }
  | { changetype: 'DELETE'; name: string; type: string };

export interface PdnsClientOptions {
  /** The API base URL, e.g. `http://127.0.0.1:18081/api/v1` (aare.yaml `endpoints.dns.api`). */
  api: string;
  /** The `X-API-Key`; only ever sent as a header, never logged or put in an error. */
  apiKey: string;
  /** The server id in the URL (`localhost` for PowerDNS Authoritative). */
  server: string;
  transport?: HttpTransport;
}

/**
 * A client for one PowerDNS server. Every method throws `ProviderError` (DNS_* codes by HTTP
 * status) for a refused call, and passes the signal on so a cancelled apply stops its requests.
 */
export class PdnsClient {
  private readonly base: string;
  private readonly transport: HttpTransport;

  constructor(private readonly opts: PdnsClientOptions) {
    this.base = `${opts.api.replace(/\/+$/, '')}/servers/${encodeURIComponent(opts.server)}`;
    this.transport = opts.transport ?? createHttpTransport({ unavailableCode: 'DNS_UNAVAILABLE' });
  }

  /** Every zone of the server, without RRsets (one call). */
  async listZones(signal?: AbortSignal): Promise<PdnsZone[]> {
    const body = await this.call('GET', '/zones', undefined, signal);
    return parse(z.array(zoneSchema), body, 'GET /zones');
  }

  /** The zone with its RRsets, or `undefined` when the server has no such zone. */
  async getZone(name: string, signal?: AbortSignal): Promise<PdnsZone | undefined> {
    const path = `/zones/${encodeURIComponent(name)}`;
    const body = await this.call('GET', path, undefined, signal, { notFound: true });
    return body === NOT_FOUND ? undefined : parse(zoneSchema, body, `GET ${path}`);
  }

  /** Creates a Native zone with the default SOA. A zone of that name that exists already is DNS_CONFLICT. */
  async createZone(zone: { name: string; account: string }, signal?: AbortSignal): Promise<PdnsZone> {
    const body = await this.call(
      'POST',
      '/zones',
      { name: zone.name, kind: 'Native', nameservers: [], account: zone.account },
      signal,
    );
    return parse(zoneSchema, body, 'POST /zones');
  }

  /** Deletes the zone and every RRset in it; a zone that is already gone is no error. */
  async deleteZone(name: string, signal?: AbortSignal): Promise<void> {
    await this.call('DELETE', `/zones/${encodeURIComponent(name)}`, undefined, signal, { notFound: true });
  }

  /**
   * Changes the named RRsets of one zone in one transaction: PowerDNS applies all or none, so a
   * killed apply never leaves half an RRset. RRsets not named are left as they are.
   */
  async patchRRsets(zone: string, rrsets: RRsetChange[], signal?: AbortSignal): Promise<void> {
    await this.call('PATCH', `/zones/${encodeURIComponent(zone)}`, { rrsets }, signal);
  }

  private async call(
    method: HttpMethod,
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
    opts: { notFound?: boolean } = {},
  ): Promise<unknown> {
    const url = this.base + path;
    const request = `${method} ${url}`;
    // a PATCH of REPLACE/DELETE sets an end state, so repeating it is harmless
    const idempotent = method !== 'POST';
    let res;
    try {
      res = await this.transport.request({
        method,
        url,
        headers: { 'X-API-Key': this.opts.apiKey },
        ...(body !== undefined ? { body } : {}),
        idempotent,
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      // no answer from PowerDNS is DNS_UNAVAILABLE, also through a transport given for every
      // provider (a fault test's), whose code is another provider's
      if (err instanceof ProviderError) {
        throw new ProviderError({
          code: 'DNS_UNAVAILABLE',
          message: `PowerDNS did not answer ${request}: ${err.systemMessage}`,
          request,
          cause: err,
        });
      }
      throw err;
    }
    if (res.status === 404 && opts.notFound) return NOT_FOUND;
    if (res.status >= 200 && res.status < 300) return res.body;
    const systemMessage = pdnsMessage(res.body) ?? `HTTP ${res.status}`;
    throw new ProviderError({
      code: codeForStatus(res.status),
      message: `PowerDNS refused ${method} ${path}: ${systemMessage}`,
      status: res.status,
      systemMessage,
      request,
    });
  }
}

const NOT_FOUND = Symbol('not found');

export function codeForStatus(status: number): ErrorCode {
  if (status === 401 || status === 403) return 'DNS_AUTH';
  if (status === 404) return 'DNS_NOT_FOUND';
  if (status === 409) return 'DNS_CONFLICT';
  if (status === 400 || status === 422) return 'DNS_BAD_REQUEST';
  return 'DNS_UNAVAILABLE';
}

/** PowerDNS puts its reason in `{"error": "..."}`; some proxies answer with plain text. */
function pdnsMessage(body: unknown): string | undefined {
  if (typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string')
    return (body as { error: string }).error;
  if (typeof body === 'string' && body.trim()) return body.trim().slice(0, 200);
  return undefined;
}

function parse<T>(schema: z.ZodType<T>, body: unknown, request: string): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  throw new ProviderError({
    code: 'DNS_BAD_RESPONSE',
    message: `PowerDNS answered ${request} with an unexpected body: ${r.error.issues[0]?.message ?? ''}`,
    request,
  });
}
