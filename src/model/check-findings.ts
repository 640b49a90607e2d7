// What every check of the model shares: the list findings go into, and the "did you mean"
// hint for a name that does not exist.
import { error } from '../diag/index.js';
import type { Diagnostic, ErrorCode, SourceRange } from '../diag/index.js';
import { closest, puppetNameProblem } from './name-rules.js';

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

/**
 * Claims the name a profile or role takes from its file name. A name Puppet refuses, or one
 * declared twice, is reported and false returned: the caller skips the file. A name declared
 * twice is ambiguous from then on (removed from `declared`, kept in `broken`), so references to
 * it are not checked and the one mistake shows once.
 */
export function claimFileName(
  f: Findings,
  kind: 'profile' | 'role',
  name: string,
  source: SourceRange,
  declared: Map<string, { source: SourceRange }>,
  broken: Set<string>,
): boolean {
  const problem = puppetNameProblem(name);
  if (problem) {
    f.at('INVALID_NAME', `${kind} name '${name}' (from the file name) ${problem}`, source);
    return false;
  }
  const other = declared.get(name);
  if (other) {
    f.at('DUPLICATE_NAME', `${kind} '${name}' is declared twice (also in ${other.source.file})`, source);
    declared.delete(name);
    broken.add(name);
    return false;
  }
  return !broken.has(name);
}
