// The control repository as it was at a release's commit (docs/maintenance.md): a deploy or
// promote applies what the release froze, read from git, never the working tree. Files git does
// not hold (ignored key files such as eyaml's private key, the signing key, the state directory)
// are linked in from the working copy, because a commit never holds secrets.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { error, isSpawnNotFound, toolMissing } from '../diag/index.js';
import type { Result } from '../diag/index.js';

const run = promisify(execFile);

export interface CheckedOutTree {
  /** The control repository's directory at the commit. */
  dir: string;
  commit: string;
  /** Removes the tree. */
  remove(): void;
}

/**
 * Writes the control repository at `commit` into a new temporary directory. The control
 * repository may be a subdirectory of its git repository (the demo is); the tree is that
 * subdirectory. NOT_FOUND when git does not have the commit.
 */
export async function checkoutCommit(
  controlRepoDir: string,
  commit: string,
): Promise<Result<CheckedOutTree | undefined>> {
  const git = async (args: string[]) =>
    (await run('git', args, { cwd: controlRepoDir, maxBuffer: 16 * 1024 * 1024 })).stdout;
  let prefix: string;
  let top: string;
  try {
    prefix = (await git(['rev-parse', '--show-prefix'])).trim();
    top = (await git(['rev-parse', '--show-toplevel'])).trim();
    await git(['cat-file', '-e', `${commit}^{commit}`]);
  } catch (err) {
    if (isSpawnNotFound(err)) return { value: undefined, diagnostics: [toolMissing('git')] };
    return {
      value: undefined,
      diagnostics: [
        error(
          'NOT_FOUND',
          `the control repository's git has no commit ${commit}: fetch it (git fetch) so the release can be read as it was frozen`,
          { field: 'commit' },
        ),
      ],
    };
  }
  const root = mkdtempSync(join(tmpdir(), 'aare-release-'));
  const remove = () => rmSync(root, { recursive: true, force: true });
  try {
    const dir = join(root, 'control');
    // from the top: in a subdirectory, git archive would look for that subdirectory inside the tree
    await extract(top, `${commit}:${prefix}`, dir);
    linkUntracked(controlRepoDir, dir, (await git(untrackedArgs)).split('\0'));
    return { value: { dir, commit, remove }, diagnostics: [] };
  } catch (err) {
    remove();
    throw err;
  }
}

// ignored files only: an untracked file that is not ignored is a change not yet committed, and a
// release must not pick it up
const untrackedArgs = [
  'ls-files',
  '-z',
  '--others',
  '--ignored',
  '--exclude-standard',
  '--directory',
  '--no-empty-directory',
  '--',
  '.',
];

/** `git archive TREE | tar -x -C into`. */
async function extract(cwd: string, tree: string, into: string): Promise<void> {
  mkdirSync(into, { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const archive = spawn('git', ['archive', '--format=tar', tree], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tar = spawn('tar', ['-x', '-C', into], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    archive.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    tar.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    archive.stdout.pipe(tar.stdin);
    let pending = 2;
    let failed = false;
    const done = (what: string) => (code: number | null) => {
      if (code !== 0 && !failed) {
        failed = true;
        reject(new Error(`${what} exited with ${code}: ${stderr.trim()}`));
      }
      if (--pending === 0 && !failed) resolve();
    };
    archive.on('error', reject);
    tar.on('error', reject);
    archive.on('close', done('git archive'));
    tar.on('close', done('tar'));
  });
}

/**
 * Links what git ignores (relative paths from `git ls-files --others --ignored`, directories with
 * a trailing slash) from the working copy into the tree, where the tree has nothing at that path.
 */
function linkUntracked(from: string, into: string, paths: string[]): void {
  for (const raw of paths) {
    const path = raw.replace(/\/$/, '');
    if (path === '') continue;
    const target = join(into, path);
    if (existsSync(target)) continue;
    // below a directory the commit does not have: git listed that directory itself
    if (!existsSync(dirname(target))) continue;
    symlinkSync(join(from, path), target);
  }
}
