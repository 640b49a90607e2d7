// The CLI as a client of `aare serve`'s API (docs/api.md, "The CLI against a server"): with
// `--server URL` (or AARE_SERVER) the commands that have an API route call it instead of opening
// the local state, and print what the local command prints. An API refusal (problem+json with
// Aare's stable code) becomes the same diagnostics, so exit codes and `--json` failures match.
// Commands without a route refuse before they touch anything, naming --server.
import { CommanderError } from 'commander';
import type { Command } from 'commander';
import { DiagnosticsError, error } from '../diag/index.js';
import type { Diagnostic, ErrorCode } from '../diag/index.js';
import { commandName, UsageError } from './cli-run.js';

/** Where to send a command, and as whom. */
export interface Remote {
  /** The server's base URL, without a trailing slash (the API is below /api/v1). */
  base: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Commands that run against the API (their path below `aare`), and those that touch no state and
 * so run the same either way. Every other command refuses with --server.
 */
const REMOTE = new Set([
  'show',
  'release list',
  'release diff',
  'release accept',
  'release reject',
  'audit',
  'token list',
  'token create',
  'token revoke',
]);
const ANYWHERE = new Set(['token roles', 'completion', 'schema']);

/** The remote the command runs against, or undefined to use the local state. */
export function remoteServer(env: NodeJS.ProcessEnv = process.env): Remote | undefined {
  const url = env.AARE_SERVER;
  if (url === undefined || url === '') return undefined;
  return { base: url.replace(/\/+$/, ''), env };
}

/**
 * The `preAction` step of the program: takes `--server` into the environment (where every command
 * reads it) and refuses a command that has no remote form, as a usage error before it runs.
 */
export function checkRemoteCommand(program: Command, actionCommand: Command): void {
  const { server } = program.opts<{ server?: string }>();
  if (server !== undefined) process.env.AARE_SERVER = server;
  const remote = remoteServer();
  if (!remote) return;
  let u: URL | undefined;
  try {
    u = new URL(remote.base);
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || u.search || u.hash)
    throw new CommanderError(
      2,
      'aare.remote',
      `--server (AARE_SERVER) must be an http(s) URL of aare serve, got '${remote.base}'`,
    );
  const path = commandName(actionCommand).replace(/^aare ?/, '');
  if (REMOTE.has(path) || ANYWHERE.has(path)) return;
  throw new CommanderError(
    2,
    'aare.remote',
    `aare ${path} works on the local state only and has no form for --server (AARE_SERVER); run it without --server on the machine holding the state`,
  );
}

/** What a request authenticates with: a bearer token, or (own tokens only) the user's password. */
export type Credentials = 'token' | 'token-or-password';

interface Call {
  query?: Record<string, string | undefined>;
  body?: unknown;
  credentials?: Credentials;
}

function authorization(remote: Remote, credentials: Credentials): string {
  const { AARE_TOKEN: token, AARE_USER: user, AARE_PASSWORD: password } = remote.env;
  if (credentials === 'token-or-password' && user && password !== undefined)
    return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  if (token) return `Bearer ${token}`;
  throw new UsageError(
    credentials === 'token-or-password'
      ? 'with --server, set AARE_TOKEN to an API token, or AARE_USER and AARE_PASSWORD (tokens: only with the password)'
      : 'with --server, set AARE_TOKEN to an API token (aare token create)',
  );
}

/** One API call; the answer's JSON, undefined for 204. A refusal throws its diagnostics. */
export async function apiCall<T>(remote: Remote, method: string, path: string, call: Call = {}): Promise<T> {
  const url = new URL(`${remote.base}/api/v1${path}`);
  for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
  const headers: Record<string, string> = {
    authorization: authorization(remote, call.credentials ?? 'token'),
    accept: 'application/json',
  };
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
    });
  } catch (err) {
    // undici puts the socket's error (ECONNREFUSED, ENOTFOUND) or its own reason in `cause`
    const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
    const why = typeof cause?.code === 'string' ? cause.code : cause?.message;
    throw unreachable(remote, typeof why === 'string' ? why : 'no answer');
  }
  const text = await res.text();
  if (res.status === 204) return undefined as T;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw unreachable(remote, `HTTP ${res.status} without a JSON body: is it aare serve?`);
  }
  if (res.ok) return json as T;
  throw new DiagnosticsError(diagnosticsOfProblem(json, res.status, remote));
}

/** Every item of a paged list (docs/api.md, Paging), in the API's order. */
export async function apiList<T>(
  remote: Remote,
  path: string,
  query: Record<string, string | undefined> = {},
  credentials: Credentials = 'token',
): Promise<T[]> {
  const items: T[] = [];
  let pageToken: string | undefined;
  do {
    const page = await apiCall<{ items: T[]; nextPageToken?: string }>(remote, 'GET', path, {
      query: { ...query, pageSize: '500', ...(pageToken ? { pageToken } : {}) },
      credentials,
    });
    items.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return items;
}

/** A problem+json answer as the diagnostics the local command would have thrown. */
function diagnosticsOfProblem(json: unknown, status: number, remote: Remote): Diagnostic[] {
  const p = json as { code?: unknown; detail?: unknown; errors?: unknown };
  if (typeof p.code !== 'string')
    return [unreachableDiagnostic(remote, `HTTP ${status} without a problem code`)];
  if (Array.isArray(p.errors) && p.errors.length > 0) return p.errors as Diagnostic[];
  return [error(p.code as ErrorCode, typeof p.detail === 'string' ? p.detail : `HTTP ${status}`)];
}

function unreachableDiagnostic(remote: Remote, why: string): Diagnostic {
  return error('SERVER_UNREACHABLE', `${remote.base}: ${why}`, { field: '--server' });
}

function unreachable(remote: Remote, why: string): DiagnosticsError {
  return new DiagnosticsError([unreachableDiagnostic(remote, why)]);
}

/** `path` with each `{name}` replaced by its URL-encoded value. */
export function apiPath(template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(params[k] ?? ''));
}
