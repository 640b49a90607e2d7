import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
// The HTTP transport every HTTP provider (OpenStack, PowerDNS) talks through: retries, backoff,
// kept-alive connections. It knows no provider: the caller names the error code for "no answer".
import type { ErrorCode } from '../diag/index.js';
import { ProviderError } from './provider-error.js';

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
   * have acted on it (429, connection refused); a lost connection throws `ConnectionLostError`.
   */
  idempotent?: boolean;
  /** Open a new connection instead of reusing an idle one (a create repeated after a lost connection). */
  freshConnection?: boolean;
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

/** The one seam to the network (docs/openstack-client.md): tests and benches read `stats`. */
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

/**
 * How long an idle kept-alive connection is kept for reuse. It must end before the server's own
 * idle timeout, or a request can be written into a connection the server is closing that moment
 * and fail with no answer. uWSGI's `--http11-socket` (Keystone and Placement in the lab, and many
 * deployments) closes after 4 s (its `socket-timeout`) without announcing it; Apache closes after
 * 5 s (`KeepAliveTimeout`). A server that sends `Keep-Alive: timeout=N` lowers this to N - 1 s.
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 2_000;

/**
 * A request whose connection closed before its answer was complete: the server may or may not
 * have acted on it. Thrown for calls that are not idempotent (a create), which callers resolve by
 * looking the object up before trying again (`createOnce` in openstack/openstack-client.ts).
 */
export class ConnectionLostError extends ProviderError {
  /** Part of the answer had arrived: the server received the request and acted on it. */
  readonly answerStarted: boolean;
  /** The request went out on a kept-alive connection used before (`undefined`: not known). */
  readonly reusedConnection: boolean | undefined;

  constructor(
    opts: ConstructorParameters<typeof ProviderError>[0] & {
      answerStarted: boolean;
      reusedConnection: boolean | undefined;
    },
  ) {
    const { answerStarted, reusedConnection, ...rest } = opts;
    super(rest);
    this.name = 'ConnectionLostError';
    this.answerStarted = answerStarted;
    this.reusedConnection = reusedConnection;
  }
}

export function isConnectionLost(err: unknown): err is ConnectionLostError {
  return err instanceof ConnectionLostError;
}

const RETRY_STATUSES = new Set([500, 502, 503, 504]);

/** Error codes of a connection the other side closed (Node's http, undici's fetch). */
const LOST_CONNECTION_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

interface Sent {
  status: number;
  headers: Headers;
  text: string;
}

/** Why one attempt got no complete answer. */
class AttemptFailed extends Error {
  constructor(
    readonly error: unknown,
    readonly answerStarted: boolean,
    readonly reusedConnection: boolean | undefined,
  ) {
    super('attempt failed', { cause: error });
  }
}

type Send = (
  url: string,
  init: { method: HttpMethod; headers: Record<string, string>; body: string | Uint8Array | undefined },
  fresh: boolean,
  signal: AbortSignal,
) => Promise<Sent>;

export interface HttpTransportOptions {
  /** The code of a request that got no answer after its retries, in the caller's family (OPENSTACK_UNAVAILABLE, DNS_UNAVAILABLE). */
  unavailableCode: ErrorCode;
  retry?: Partial<RetryPolicy>;
  fetch?: typeof fetch;
  idleTimeoutMs?: number;
  /**
   * For https: `ca` replaces Node's CA list (a private CA's bundle); `rejectUnauthorized: false`
   * accepts any certificate. Ignored with `fetch`, which owns its connections.
   */
  tls?: { ca?: string; rejectUnauthorized?: boolean };
}

/**
 * HTTP with retries and backoff for calls that are safe to repeat. Connections are kept alive and
 * reused, each for at most `idleTimeoutMs` idle; the retry after a lost connection goes out on a
 * new one. `fetch` replaces Node's http client (tests route calls through a proxy with it); it
 * then owns its connections, so `idleTimeoutMs` and fresh connections are its business.
 */
export function createHttpTransport(opts: HttpTransportOptions): HttpTransport {
  const policy = { ...defaultRetryPolicy, ...opts.retry };
  const send: Send = opts.fetch
    ? fetchSender(opts.fetch)
    : nodeSender(opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, opts.tls ?? {});
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
    let fresh = req.freshConnection ?? false;
    for (let attempt = 0; ; attempt++) {
      req.signal?.throwIfAborted();
      const timeout = AbortSignal.timeout(policy.attemptTimeoutMs);
      const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
      stats.requests++;
      let res: Sent;
      try {
        res = await send(req.url, { method: req.method, headers, body }, fresh, signal);
      } catch (caught) {
        req.signal?.throwIfAborted();
        const failed = caught instanceof AttemptFailed ? caught : new AttemptFailed(caught, false, undefined);
        const err = failed.error;
        const lost = !timeout.aborted && LOST_CONNECTION_CODES.has(errorCodeOf(err) ?? '');
        const refused = connectionRefused(err);
        if (attempt < policy.retries && (idempotent || refused)) {
          stats.retries++;
          if (lost && !fresh) {
            // the connection failed, not the server: at once, and never on another idle connection
            fresh = true;
            continue;
          }
          await sleep(backoff(policy, attempt), req.signal);
          continue;
        }
        const why = timeout.aborted
          ? `no answer within ${policy.attemptTimeoutMs} ms`
          : describeFetchError(err);
        const failure = {
          code: opts.unavailableCode,
          message: `${req.method} ${req.url}: ${why} (after ${attempt + 1} attempt${attempt ? 's' : ''})`,
          systemMessage: why,
          request: `${req.method} ${req.url}`,
          cause: err,
        };
        if (lost) {
          throw new ConnectionLostError({
            ...failure,
            answerStarted: failed.answerStarted,
            reusedConnection: failed.reusedConnection,
          });
        }
        throw new ProviderError(failure);
      }
      const retryable = res.status === 429 || (idempotent && RETRY_STATUSES.has(res.status));
      if (retryable && attempt < policy.retries) {
        const wait = retryAfterMs(res.headers.get('retry-after')) ?? backoff(policy, attempt);
        if (wait <= policy.maxRetryAfterMs) {
          stats.retries++;
          await sleep(wait, req.signal);
          continue;
        }
      }
      return { status: res.status, headers: res.headers, body: parseText(res) };
    }
  }

  return { request, stats };
}

/**
 * Node's http client: one keep-alive agent per scheme. A socket idle for `idleTimeoutMs` is
 * closed by us (the agent's `timeout` applies to free sockets; Node lowers it to a server's
 * `Keep-Alive: timeout=` hint minus one second). Free sockets are unref'd: they never hold the
 * process open.
 */
function nodeSender(idleTimeoutMs: number, tls: NonNullable<HttpTransportOptions['tls']>): Send {
  const agentOpts = { keepAlive: true, timeout: idleTimeoutMs, scheduling: 'lifo' as const };
  const agents = { http: new HttpAgent(agentOpts), https: new HttpsAgent({ ...agentOpts, ...tls }) };
  return (url, init, fresh, signal) =>
    new Promise<Sent>((resolve, reject) => {
      const target = new URL(url);
      const secure = target.protocol === 'https:';
      const headers: OutgoingHttpHeaders = { ...init.headers };
      if (init.body !== undefined) headers['Content-Length'] = Buffer.byteLength(init.body);
      let answerStarted = false;
      const req = (secure ? httpsRequest : httpRequest)(
        target,
        {
          method: init.method,
          headers,
          signal,
          // a one-off connection has no agent to take them from
          ...(secure ? tls : {}),
          // `false`: a one-off connection, closed after the answer
          agent: fresh ? false : secure ? agents.https : agents.http,
        },
        (res: IncomingMessage) => {
          answerStarted = true;
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: headersOf(res.rawHeaders),
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', (err) => reject(new AttemptFailed(err, true, req.reusedSocket)));
          res.on('close', () => {
            if (res.complete) return;
            const err = Object.assign(new Error('the connection closed during the answer'), {
              code: 'ECONNRESET',
            });
            reject(new AttemptFailed(err, true, req.reusedSocket));
          });
        },
      );
      req.on('error', (err) => reject(new AttemptFailed(err, answerStarted, req.reusedSocket)));
      req.end(init.body);
    });
}

function fetchSender(doFetch: typeof fetch): Send {
  return async (url, init, _fresh, signal) => {
    const res = await doFetch(url, { ...init, signal, redirect: 'manual' });
    try {
      return { status: res.status, headers: res.headers, text: await res.text() };
    } catch (err) {
      throw new AttemptFailed(err, true, undefined);
    }
  };
}

function headersOf(raw: string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return headers;
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

function parseText(res: Sent): unknown {
  if (res.text === '') return undefined;
  if ((res.headers.get('content-type') ?? '').includes('json')) {
    try {
      return JSON.parse(res.text) as unknown;
    } catch {
      return res.text;
    }
  }
  return res.text;
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
