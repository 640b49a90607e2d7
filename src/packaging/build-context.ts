// What a build needs from the command that runs it (kept structural, so that whichever layer opens
// the state directory and the store can pass its own context), and how a build names its failures.
import { error } from '../diag/index.js';
import type { Diagnostic, SourceRange } from '../diag/index.js';
import type { RepoService, SigningKey } from '../repo/index.js';
import type { Store } from '../store/index.js';
import type { PackageDef } from './spec-generator.js';

export interface BuildContext {
  /** The control repository. */
  root: string;
  /** Aare's state directory: never visible to a build (docs/security.md). */
  stateDir: string;
  store: Store;
  repo: RepoService;
  /** The provider's key; builds sign with it in Aare's process, after rpmbuild has exited. */
  signingKey?: SigningKey;
}

export function buildError(def: PackageDef, summary: string, source: SourceRange = def.source): Diagnostic {
  return error('PACKAGE_BUILD', summary, { source, address: `package ${def.name}` });
}
