// Where a Hiera value came from, in the shape compile's diagnostics use.
import { isAbsolute, relative } from 'node:path';
import type { Diagnostic, SourceRange } from '../diag/index.js';
import type { LookupResult } from '../hiera/index.js';

export interface HieraSource {
  /** Data file relative to hiera.yaml's directory (the control repository). */
  file: string;
  level: string;
  source?: SourceRange;
}

/** The data files (most specific first) that gave a found value. */
export function hieraOrigin(result: LookupResult): HieraSource[] {
  if (!('found' in result) || !result.found) return [];
  return result.sources.map((s) => ({
    file: s.path,
    level: s.level,
    source: s.line === undefined ? undefined : { file: s.path, start: { line: s.line, col: s.col ?? 1 } },
  }));
}

/** A Hiera diagnostic with its file relative to the control repository, as users see files. */
export function controlRepoRelative(root: string, d: Diagnostic): Diagnostic {
  return d.source && isAbsolute(d.source.file)
    ? { ...d, source: { ...d.source, file: relative(root, d.source.file) } }
    : d;
}
