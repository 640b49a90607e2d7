import { DiagnosticsError, error } from './diagnostic.js';
import type { Diagnostic } from './diagnostic.js';
import type { ErrorCode } from './error-codes.js';

/**
 * A real system refused or failed a call. Carries what a user needs to act: the HTTP status, the
 * system's own message, the Aare address (when the call was about one resource) and the request.
 * Code never classifies it by message text: use `code` and `status`. It is a DiagnosticsError, so
 * a CLI command that lets it escape prints one diagnostic line and exits non-zero, never a stack.
 * It lives in diag, below the engine and the providers, so that every provider throws it and the
 * engine recognises it without importing any provider.
 */
export class ProviderError extends DiagnosticsError {
  readonly code: ErrorCode;
  /** HTTP status, absent for connection failures and timeouts. */
  readonly status: number | undefined;
  /** The real system's own message (OpenStack's `message`), or a description of the failure. */
  readonly systemMessage: string;
  readonly address: string | undefined;
  /** `GET http://127.0.0.1:8774/v2.1/servers/...`, for the log and the detail line. */
  readonly request: string | undefined;
  /** The request id the system returned (`x-openstack-request-id`), to find it in its logs. */
  readonly requestId: string | undefined;
  /** For create/update failures after the object came into being: its observed state. */
  partialState?: unknown;

  constructor(opts: {
    code: ErrorCode;
    message: string;
    status?: number;
    systemMessage?: string;
    address?: string;
    request?: string;
    requestId?: string;
    cause?: unknown;
  }) {
    super([diagnosticOf(opts)]);
    this.message = opts.message;
    if (opts.cause !== undefined) this.cause = opts.cause;
    this.name = 'ProviderError';
    this.code = opts.code;
    this.status = opts.status;
    this.systemMessage = opts.systemMessage ?? opts.message;
    this.address = opts.address;
    this.request = opts.request;
    this.requestId = opts.requestId;
  }

  /** The same failure as a diagnostic, for the CLI and the API. */
  toDiagnostic(): Diagnostic {
    return diagnosticOf(this);
  }
}

function diagnosticOf(e: {
  code: ErrorCode;
  message: string;
  address?: string | undefined;
  request?: string | undefined;
  requestId?: string | undefined;
}): Diagnostic {
  const detail = [e.request, e.requestId ? `request id ${e.requestId}` : undefined]
    .filter((x): x is string => x !== undefined)
    .join(', ');
  return error(e.code, e.message, {
    ...(e.address === undefined ? {} : { address: e.address }),
    ...(detail ? { detail } : {}),
  });
}

export function isProviderError(err: unknown): err is ProviderError {
  return err instanceof ProviderError;
}

/** True for an error thrown because an AbortSignal fired. */
export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}
