import { error } from '../diag/index.js';
import type { Diagnostic, ErrorCode } from '../diag/index.js';

/**
 * A real system refused or failed a call. Carries what a user needs to act: the HTTP status, the
 * system's own message, the Aare address (when the call was about one resource) and the request.
 * Code never classifies it by message text: use `code` and `status`.
 */
export class ProviderError extends Error {
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
    super(opts.message, opts.cause === undefined ? undefined : { cause: opts.cause });
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
    const detail = [this.request, this.requestId ? `request id ${this.requestId}` : undefined]
      .filter((x): x is string => x !== undefined)
      .join(', ');
    return error(this.code, this.message, {
      ...(this.address === undefined ? {} : { address: this.address }),
      ...(detail ? { detail } : {}),
    });
  }
}

export function isProviderError(err: unknown): err is ProviderError {
  return err instanceof ProviderError;
}

/** True for an error thrown because an AbortSignal fired. */
export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}
