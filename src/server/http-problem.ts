// Error answers of `aare serve` as RFC 9457 problem details (application/problem+json). A
// refusal caused by a diagnostic carries its stable code and the diagnostics themselves in
// `errors`; clients branch on `code`, never on `title` or `detail`.
import { STATUS_CODES } from 'node:http';
import type { ServerResponse } from 'node:http';
import { httpStatusOf } from '../diag/index.js';
import type { Diagnostic, ErrorCode } from '../diag/index.js';

export const PROBLEM_TYPE = 'application/problem+json';

export interface Problem {
  type: 'about:blank';
  title: string;
  status: number;
  detail: string;
  code?: ErrorCode;
  errors?: Diagnostic[];
}

export function problem(status: number, detail: string, code?: ErrorCode, errors?: Diagnostic[]): Problem {
  return {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    ...(code ? { code } : {}),
    ...(errors ? { errors } : {}),
  };
}

/** The problem for refused input: the status of its most severe code, all diagnostics listed. */
export function problemOf(diagnostics: Diagnostic[]): Problem {
  const worst = diagnostics.reduce((a, b) => (httpStatusOf(b.code) > httpStatusOf(a.code) ? b : a));
  return problem(httpStatusOf(worst.code), worst.summary, worst.code, diagnostics);
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

export function sendError(res: ServerResponse, status: number, detail: string): void {
  sendProblem(res, problem(status, detail));
}
