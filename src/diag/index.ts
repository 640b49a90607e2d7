/**
 * Diagnostics: how every layer reports a user's mistake, with the place it comes from, and the
 * catalogue of stable error codes, and the table of external programs Aare runs (with how to install
 * each). The lowest layer: it imports nothing of Aare's and does no I/O except finding a program on
 * PATH.
 */
export type { Diagnostic, Result, Severity, SourcePos, SourceRange } from './diagnostic.js';
export {
  error,
  warning,
  hasErrors,
  sortDiagnostics,
  formatDiagnostic,
  DiagnosticsError,
  valueOrThrow,
} from './diagnostic.js';
export { errorCodes, exitCodeOf, httpStatusOf } from './error-codes.js';
export type { ErrorCode } from './error-codes.js';
export {
  externalTools,
  toolMissing,
  isSpawnNotFound,
  findOnPath,
  missingTools,
  labAreasOf,
} from './external-tools.js';
export type { ExternalTool, ExternalToolName } from './external-tools.js';
export { ProviderError, isProviderError, isAbortError } from './provider-error.js';
