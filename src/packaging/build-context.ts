// What a build needs from the command that runs it, and how a build names its failures.
import { error } from '../diag/index.js';
import type { Diagnostic, SourceRange } from '../diag/index.js';
import type { PackagingContext } from './packaging-context.js';
import type { PackageDef } from './spec-generator.js';

/** What a build needs; the same as the packaging context the composition root opens. */
export type BuildContext = PackagingContext;

export function buildError(def: PackageDef, summary: string, source: SourceRange = def.source): Diagnostic {
  return error('PACKAGE_BUILD', summary, { source, address: `package ${def.name}` });
}
