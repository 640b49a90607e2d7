import { error } from '../diag/index.js';
import type { Diagnostic } from '../diag/index.js';

/**
 * A provider call's failure as a diagnostic naming the resource. Drivers throw errors that carry
 * their own diagnostic (`toDiagnostic()`, see src/providers' ProviderError); anything else is
 * reported as PROVIDER with its message.
 */
export function providerDiagnostic(err: unknown, address: string | undefined): Diagnostic {
  const withAddress = address === undefined ? {} : { address };
  if (isAbort(err)) return error('PROVIDER', 'cancelled', withAddress);
  const carrier = err as { toDiagnostic?: () => Diagnostic } | null;
  if (carrier && typeof carrier.toDiagnostic === 'function') {
    const d = carrier.toDiagnostic();
    return address === undefined || d.address ? d : { ...d, address };
  }
  const message = err instanceof Error ? err.message : String(err);
  return error('PROVIDER', message, withAddress);
}

export function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}

/** The observed state a failed create left behind (ProviderError.partialState), if any. */
export function partialStateOf(err: unknown): unknown {
  return typeof err === 'object' && err !== null
    ? (err as { partialState?: unknown }).partialState
    : undefined;
}
