// What every check of the model shares: the list findings go into, and the "did you mean"
// hint for a name that does not exist.
import { error } from '../diag/index.js';
import type { Diagnostic, ErrorCode, SourceRange } from '../diag/index.js';
import { closest } from './name-rules.js';

/** Collects the diagnostics of one load; each finding points at the node it is about. */
export class Findings {
  constructor(readonly list: Diagnostic[]) {}
  at(code: ErrorCode, summary: string, source: SourceRange): void {
    this.list.push(error(code, summary, { source }));
  }
}

/** `; did you mean 'x'?` for the closest known name, or nothing. */
export const didYouMean = (name: string, known: Iterable<string>): string => {
  const c = closest(name, known);
  return c ? `; did you mean '${c}'?` : '';
};
