// Shared plumbing for command actions: the one renderer of diagnostics (`[place: ]error CODE:
// message`, a hint on the next line where there is one, or JSON with --json), stable exit codes,
// and no stack trace for a user's mistake (set AARE_DEBUG=1 to see one for a bug).
import { Command } from 'commander';
import { DiagnosticsError, error, exitCodeOf, formatDiagnostic, sortDiagnostics } from '../diag/index.js';
import type { Diagnostic } from '../diag/index.js';

/** Exit codes shared by all commands. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** One diagnostic as every command prints it: one line, and an indented hint line if given. */
export function renderDiagnostic(d: Diagnostic, hint?: string): string {
  return formatDiagnostic(d) + (hint ? `\n  hint: ${hint}` : '');
}

export function printDiagnostics(diagnostics: readonly Diagnostic[], stream = process.stderr): void {
  for (const d of sortDiagnostics(diagnostics)) stream.write(renderDiagnostic(d) + '\n');
}

/**
 * A failure as the command's user asked for it: with --json one JSON document on stdout (what a
 * script reads), else the text lines on stderr.
 */
export function reportFailure(
  diagnostics: readonly Diagnostic[],
  opts: { json?: boolean; hint?: string } = {},
): void {
  const sorted = sortDiagnostics(diagnostics);
  if (opts.json) {
    const errors = sorted.map((d) => ({ ...d, ...(opts.hint ? { hint: opts.hint } : {}) }));
    process.stdout.write(JSON.stringify({ errors }, null, 2) + '\n');
    return;
  }
  sorted.forEach((d, i) =>
    process.stderr.write(renderDiagnostic(d, i === sorted.length - 1 ? opts.hint : undefined) + '\n'),
  );
}

/** `aare repo prune`: the command's full name, for hints. */
export function commandName(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Wraps a command action: maps expected failures to exit codes, never prints a stack for them. */
export function action<A extends unknown[]>(
  fn: (...args: A) => Promise<number | void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    // commander passes the command itself last
    const cmd = args.findLast((a): a is Command => a instanceof Command);
    const json = cmd?.opts().json === true;
    try {
      const code = await fn(...args);
      if (typeof code === 'number') process.exitCode = code;
    } catch (err) {
      if (err instanceof UsageError) {
        reportFailure([error('USAGE', err.message)], {
          json,
          hint: cmd ? `see '${commandName(cmd)} --help'` : undefined,
        });
        process.exitCode = EXIT.usage;
      } else if (err instanceof DiagnosticsError) {
        reportFailure(err.diagnostics, { json });
        process.exitCode = Math.max(...err.diagnostics.map((d) => exitCodeOf(d.code)), 1);
      } else {
        exitWithUnexpected(err, json);
      }
    }
  };
}

export function exitWithUnexpected(err: unknown, json = false): void {
  const message = err instanceof Error ? err.message : String(err);
  const debug = process.env.AARE_DEBUG && err instanceof Error && err.stack;
  reportFailure([error('INTERNAL', message)], {
    json,
    hint: debug
      ? undefined
      : 'an internal error, a bug in Aare: please report it (AARE_DEBUG=1 shows the stack)',
  });
  if (debug) process.stderr.write(err.stack + '\n');
  process.exitCode = EXIT.failed;
}

/** Parses `--format`-style options against a fixed list, as a usage error otherwise. */
export function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${option} must be one of ${allowed.join(', ')}, got '${value}'`);
}
