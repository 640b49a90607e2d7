import { error, isAbortError, isProviderError } from '../diag/index.js';
import type { Diagnostic } from '../diag/index.js';

/**
 * A provider call's failure as a diagnostic naming the resource. Drivers throw ProviderError
 * (diag), which carries its own diagnostic; anything else is reported as PROVIDER with its message.
 */
export function providerDiagnostic(err: unknown, address: string | undefined): Diagnostic {
  const withAddress = address === undefined ? {} : { address };
  if (isAbortError(err)) return error('PROVIDER', 'cancelled', withAddress);
  if (isProviderError(err)) {
    const d = err.toDiagnostic();
    return address === undefined || d.address ? d : { ...d, address };
  }
  const message = err instanceof Error ? err.message : String(err);
  return error('PROVIDER', message, withAddress);
}

export function isAbort(err: unknown): boolean {
  return isAbortError(err);
}

/** The observed state a failed create left behind (ProviderError.partialState), if any. */
export function partialStateOf(err: unknown): unknown {
  return isProviderError(err) ? err.partialState : undefined;
}
