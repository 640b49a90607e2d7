// The control repository at other commits, for the release diff's parameters (docs/maintenance.md):
// the commit production runs, or the working copy's HEAD when no release has reached production.
// Opening a tree is the caller's (the app checks the commit out over the same state); this keeps
// one tree per commit, since a `release list` diffs many releases against the same few commits.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { error, isSpawnNotFound, toolMissing } from '../diag/index.js';
import type { Result } from '../diag/index.js';
import type { ControlRepoTree } from './parameter-diff.js';

const run = promisify(execFile);

export interface ControlRepoHistory {
  /** The commit the control repository's working copy is on (HEAD). */
  head(): Promise<Result<string | undefined>>;
  /**
   * The control repository and its Hiera as they were at `commit`. Throws DiagnosticsError when git
   * does not have the commit or the tree does not load.
   */
  treeAt(commit: string): Promise<ControlRepoTree>;
}

/** A history of the control repository in `dir`; `open` reads the tree at a commit, once per commit. */
export function controlRepoHistory(
  dir: string,
  open: (commit: string) => Promise<ControlRepoTree>,
): ControlRepoHistory {
  const trees = new Map<string, Promise<ControlRepoTree>>();
  let head: Promise<Result<string | undefined>> | undefined;
  return {
    head: () => (head ??= headCommit(dir)),
    treeAt(commit) {
      let tree = trees.get(commit);
      if (!tree) trees.set(commit, (tree = open(commit)));
      return tree;
    },
  };
}

/** The commit HEAD of the git repository holding `dir` names; NOT_FOUND outside git or before the first commit. */
export async function headCommit(dir: string): Promise<Result<string | undefined>> {
  try {
    const { stdout } = await run('git', ['rev-parse', '--verify', 'HEAD^{commit}'], { cwd: dir });
    return { value: stdout.trim(), diagnostics: [] };
  } catch (err) {
    if (isSpawnNotFound(err)) return { value: undefined, diagnostics: [toolMissing('git')] };
    return {
      value: undefined,
      diagnostics: [
        error(
          'NOT_FOUND',
          `the control repository in ${dir} has no git commit: the release diff compares its parameters with the last commit when no release is on production`,
          { field: 'control repository' },
        ),
      ],
    };
  }
}
