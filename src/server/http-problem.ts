// Error answers of `aare serve` as RFC 9457 problem details (application/problem+json): every
// refusal, whether a route's, fastify's own (no route, bad URL, body parsers) or the socket's
// (a request that never finished), carries `type`, `title`, `status`, `detail` and Aare's stable
// `code`; a refusal caused by diagnostics lists them in `errors`. Clients branch on `code`, never
// on `title` or `detail`.
import { STATUS_CODES } from 'node:http';
import type { ServerResponse } from 'node:http';
import { DiagnosticsError, httpStatusOf } from '../diag/index.js';
import type { Diagnostic, ErrorCode } from '../diag/index.js';

export const PROBLEM_TYPE = 'application/problem+json';

export interface Problem {
  /** `about:blank`: `title` is the status's phrase, the code says what went wrong. */
  type: 'about:blank';
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: Diagnostic[];
}

/** A problem with the status of its code (error-codes.ts), unless `status` says otherwise. */
export function problem(
  code: ErrorCode,
  detail: string,
  opts: { status?: number; errors?: Diagnostic[] } = {},
): Problem {
  const status = opts.status ?? httpStatusOf(code);
  return {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    code,
    ...(opts.errors ? { errors: opts.errors } : {}),
  };
}

/** The problem for refused input: the status of its most severe code, all diagnostics listed. */
export function problemOf(diagnostics: Diagnostic[]): Problem {
  const worst = diagnostics.reduce((a, b) => (httpStatusOf(b.code) > httpStatusOf(a.code) ? b : a));
  return problem(worst.code, worst.summary, { errors: diagnostics });
}

// The codes of refusals that have only a status to go by (fastify's, node:http's).
const codeOfStatus: Record<number, ErrorCode> = {
  400: 'USAGE',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  408: 'REQUEST_TIMEOUT',
  413: 'REQUEST_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  416: 'RANGE_NOT_SATISFIABLE',
  431: 'HEADERS_TOO_LARGE',
};

/**
 * An error that reached fastify's error handler: diagnostics as they are; a client error of
 * fastify's (bad JSON, unsupported media type, a bad URL, validation) with its status and
 * message, which say only what was wrong with the request; anything else is a bug, and says
 * nothing about the server's insides.
 */
export function problemOfError(err: unknown): Problem {
  if (err instanceof DiagnosticsError) return problemOf(err.diagnostics);
  const status = (err as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = codeOfStatus[status] ?? 'USAGE';
    return problem(code, err instanceof Error ? err.message : String(err), { status });
  }
  return problem('INTERNAL', 'internal error');
}

/** Answers a raw node:http request with a problem; `headers` add to (or replace) the defaults. */
export function sendProblem(res: ServerResponse, p: Problem, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(p) + '\n';
  res.writeHead(p.status, {
    'content-type': `${PROBLEM_TYPE}; charset=utf-8`,
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

export function sendError(
  res: ServerResponse,
  code: ErrorCode,
  detail: string,
  headers: Record<string, string> = {},
): void {
  sendProblem(res, problem(code, detail), headers);
}

/**
 * A whole HTTP/1.1 response that closes the connection, for the answers written to the socket
 * itself: a request that timed out or could not be parsed has no response object.
 */
export function rawProblemResponse(code: ErrorCode, detail: string): string {
  const p = problem(code, detail);
  const body = JSON.stringify(p) + '\n';
  return (
    `HTTP/1.1 ${p.status} ${p.title}\r\n` +
    `content-type: ${PROBLEM_TYPE}; charset=utf-8\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
  );
}
