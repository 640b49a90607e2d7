/**
 * Diagnostics: how every layer reports a user's mistake, with the place it comes from, and the
 * catalogue of stable error codes. The lowest layer: it imports nothing of Aare's and does no I/O.
 */
export type { Diagnostic, Result, Severity, SourcePos, SourceRange } from './diagnostic.js';
export {
  error,
  warning,
  hasErrors,
  sortDiagnostics,
  formatDiagnostic,
  DiagnosticsError,
} from './diagnostic.js';
export { errorCodes, exitCodeOf, httpStatusOf } from './error-codes.js';
export type { ErrorCode } from './error-codes.js';
export { ProviderError, isProviderError, isAbortError } from './provider-error.js';
