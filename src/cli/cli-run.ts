// Shared plumbing for command actions: diagnostics to stderr, stable exit codes, and no stack
// trace for a user's mistake (set AARE_DEBUG=1 to see one for a bug).
import { DiagnosticsError, exitCodeOf, formatDiagnostic, sortDiagnostics } from '../diag/index.js';
import type { Diagnostic } from '../diag/index.js';

/** Exit codes shared by all commands. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function printDiagnostics(diagnostics: readonly Diagnostic[], stream = process.stderr): void {
  for (const d of sortDiagnostics(diagnostics)) stream.write(formatDiagnostic(d) + '\n');
}

/** Wraps a command action: maps expected failures to exit codes, never prints a stack for them. */
export function action<A extends unknown[]>(
  fn: (...args: A) => Promise<number | void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      if (typeof code === 'number') process.exitCode = code;
    } catch (err) {
      if (err instanceof UsageError) {
        process.stderr.write(`aare: ${err.message}\n`);
        process.exitCode = EXIT.usage;
      } else if (err instanceof DiagnosticsError) {
        printDiagnostics(err.diagnostics);
        process.exitCode = Math.max(...err.diagnostics.map((d) => exitCodeOf(d.code)), 1);
      } else {
        exitWithUnexpected(err);
      }
    }
  };
}

export function exitWithUnexpected(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`aare: internal error: ${message}\n`);
  if (process.env.AARE_DEBUG && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  else process.stderr.write('aare: (set AARE_DEBUG=1 for details; this is a bug, please report it)\n');
  process.exitCode = EXIT.failed;
}

/** Parses `--format`-style options against a fixed list, as a usage error otherwise. */
export function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${option} must be one of ${allowed.join(', ')}, got '${value}'`);
}
