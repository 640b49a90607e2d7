import type { ErrorCode } from './error-codes.js';

/** A 1-based line and column, as editors show them. `offset` is 0-based into the file text. */
export interface SourcePos {
  line: number;
  col: number;
  offset?: number;
}

export interface SourceRange {
  /** Path as the user should see it: relative to the control repository when there is one. */
  file: string;
  start: SourcePos;
  end?: SourcePos;
}

export type Severity = 'error' | 'warning';

/**
 * A user mistake or a finding about the user's input. Exceptions are for bugs and cancellation;
 * everything a user can fix travels as a Diagnostic with the place it comes from.
 */
export interface Diagnostic {
  severity: Severity;
  code: ErrorCode;
  summary: string;
  detail?: string;
  /** Aare address of the thing concerned (e.g. `muster-ag/test/web1`, `profile webserver`). */
  address?: string;
  /** API field path, for payloads that have no file. */
  field?: string;
  source?: SourceRange;
}

/** What loaders, Hiera and the planner return: a value and what was found on the way. */
export interface Result<T> {
  value: T;
  diagnostics: Diagnostic[];
}

export function error(code: ErrorCode, summary: string, extra: Partial<Diagnostic> = {}): Diagnostic {
  return { severity: 'error', code, summary, ...extra };
}

export function warning(code: ErrorCode, summary: string, extra: Partial<Diagnostic> = {}): Diagnostic {
  return { severity: 'warning', code, summary, ...extra };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Deterministic order: by file, line, column, then code. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => {
    const fa = a.source?.file ?? '';
    const fb = b.source?.file ?? '';
    if (fa !== fb) return fa < fb ? -1 : 1;
    const la = a.source?.start.line ?? 0;
    const lb = b.source?.start.line ?? 0;
    if (la !== lb) return la - lb;
    const ca = a.source?.start.col ?? 0;
    const cb = b.source?.start.col ?? 0;
    if (ca !== cb) return ca - cb;
    return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
  });
}

/** `file:line:col: error CODE: summary` — one line, as compilers print it. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.source
    ? `${d.source.file}:${d.source.start.line}:${d.source.start.col}: `
    : d.field
      ? `${d.field}: `
      : '';
  const what = d.address && !d.source ? ` (${d.address})` : '';
  return `${where}${d.severity} ${d.code}: ${d.summary}${what}`;
}

/** Thrown only to carry diagnostics across a boundary that cannot return them (e.g. a CLI action). */
export class DiagnosticsError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'DiagnosticsError';
  }
}

/** For callers that want an exception: the value, or DiagnosticsError with the result's diagnostics. */
export function valueOrThrow<T>(r: Result<T | undefined>): T {
  if (r.value === undefined || hasErrors(r.diagnostics)) throw new DiagnosticsError([...r.diagnostics]);
  return r.value;
}
