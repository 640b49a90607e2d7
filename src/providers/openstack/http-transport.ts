import { ProviderError } from '../provider-error.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  /** A JSON value (sent as application/json) or raw bytes (sent as given). */
  body?: unknown;
  /**
   * Whether repeating the call is harmless. Defaults by method: GET, HEAD, PUT and DELETE are,
   * POST and PATCH are not. A call that is not idempotent is retried only when the server cannot
   * have acted on it (429, connection refused).
   */
  idempotent?: boolean;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON when the server said JSON, the text otherwise, `undefined` when empty. */
  body: unknown;
}

export interface TransportStats {
  /** Requests put on the wire, retries included. */
  requests: number;
  retries: number;
}

/** The one seam to the network (STYLE.md lesson 8): tests and benches read `stats`. */
export interface HttpTransport {
  /** Resolves with any HTTP status; throws `ProviderError` only when no answer came (after retries). */
  request(req: HttpRequest): Promise<HttpResponse>;
  readonly stats: TransportStats;
}

export interface RetryPolicy {
  /** Attempts after the first one. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the 429/503 is returned instead. */
  maxRetryAfterMs: number;
  /** Per attempt, until the response headers arrive. */
  attemptTimeoutMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  retries: 4,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 60_000,
  attemptTimeoutMs: 60_000,
};

const RETRY_STATUSES = new Set([500, 502, 503, 504]);

/** fetch with retries and backoff for calls that are safe to repeat. */
export function createHttpTransport(
  opts: { retry?: Partial<RetryPolicy>; fetch?: typeof fetch } = {},
): HttpTransport {
  const policy = { ...defaultRetryPolicy, ...opts.retry };
  const doFetch = opts.fetch ?? fetch;
  const stats: TransportStats = { requests: 0, retries: 0 };

  async function request(req: HttpRequest): Promise<HttpResponse> {
    const idempotent = req.idempotent ?? !(req.method === 'POST' || req.method === 'PATCH');
    const headers: Record<string, string> = { Accept: 'application/json', ...req.headers };
    let body: string | Uint8Array | undefined;
    if (req.body instanceof Uint8Array) {
      body = req.body;
    } else if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers['Content-Type'] ??= 'application/json';
    }
    for (let attempt = 0; ; attempt++) {
      req.signal?.throwIfAborted();
      const timeout = AbortSignal.timeout(policy.attemptTimeoutMs);
      const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
      stats.requests++;
      let res: Response;
      try {
        res = await doFetch(req.url, { method: req.method, headers, body, signal, redirect: 'manual' });
      } catch (err) {
        req.signal?.throwIfAborted();
        const refused = connectionRefused(err);
        if (attempt < policy.retries && (idempotent || refused)) {
          stats.retries++;
          await sleep(backoff(policy, attempt), req.signal);
          continue;
        }
        const why = timeout.aborted
          ? `no answer within ${policy.attemptTimeoutMs} ms`
          : describeFetchError(err);
        throw new ProviderError({
          code: 'OPENSTACK_UNAVAILABLE',
          message: `${req.method} ${req.url}: ${why} (after ${attempt + 1} attempt${attempt ? 's' : ''})`,
          systemMessage: why,
          request: `${req.method} ${req.url}`,
          cause: err,
        });
      }
      const retryable = res.status === 429 || (idempotent && RETRY_STATUSES.has(res.status));
      if (retryable && attempt < policy.retries) {
        const wait = retryAfterMs(res.headers.get('retry-after')) ?? backoff(policy, attempt);
        if (wait <= policy.maxRetryAfterMs) {
          await res.body?.cancel();
          stats.retries++;
          await sleep(wait, req.signal);
          continue;
        }
      }
      return { status: res.status, headers: res.headers, body: await readBody(res) };
    }
  }

  return { request, stats };
}

/** Exponential backoff with full jitter: random in [0, min(max, base * 2^attempt)]. */
export function backoff(policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, attempt: number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(cap / 2 + (Math.random() * cap) / 2);
}

/** Retry-After as delay-seconds or an HTTP date; `undefined` when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === '') return undefined;
  if ((res.headers.get('content-type') ?? '').includes('json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

function errorCodeOf(err: unknown): string | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function connectionRefused(err: unknown): boolean {
  return errorCodeOf(err) === 'ECONNREFUSED';
}

function describeFetchError(err: unknown): string {
  const code = errorCodeOf(err);
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  const msg = e instanceof Error ? e.message : String(e);
  return code && !msg.includes(code) ? `${code}: ${msg}` : msg;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export { sleep as abortableSleep };
