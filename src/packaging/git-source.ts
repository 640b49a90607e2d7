// The git side of a build: where a package's repository is, which of its tags match the package's
// tagPattern (in version order), and what a tag holds (the source archive, the spec file). Git runs
// here, in Aare's own process environment, on repositories the control repository names; a
// customer's spec never runs here (that is rpm-build.ts, inside the sandbox).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DiagnosticsError, isSpawnNotFound, toolMissing } from '../diag/index.js';
import type { Diagnostic } from '../diag/index.js';
import { rpmvercmp } from '../repo/index.js';
import { buildError } from './build-context.js';
import type { BuildContext } from './build-context.js';
import type { PackageDef } from './spec-generator.js';

const run = promisify(execFile);

/** A release tag of a package's repository and the version it stands for. */
export interface TagInfo {
  tag: string;
  version: string;
  release: string;
  commit: string;
  tree: string;
  /** Commit time (seconds since the epoch): the build's SOURCE_DATE_EPOCH. */
  time: number;
}

/** Runs a program; a program that is not installed throws TOOL_MISSING, other failures pass through. */
async function runTool(program: 'git' | 'sh', args: string[]): Promise<string> {
  try {
    return (await run(program, args, { maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (err) {
    if (program === 'git' && isSpawnNotFound(err)) throw new DiagnosticsError([toolMissing('git')]);
    throw err;
  }
}

const git = async (dir: string, ...args: string[]): Promise<string> =>
  (await runTool('git', ['-C', dir, ...args])).trim();

const stderrOf = (err: unknown): string =>
  (err as { stderr?: string }).stderr?.trim() || (err as Error).message;

/**
 * Finds the git repository of a package. A local `git.url` that is not a git repository but
 * holds `releases/<tag>/` trees (the demo's shipped sources) is turned into one under
 * <stateDir>/git/<name> by the `make-git-repos.sh` beside it. Remote URLs are mirrored there.
 */
export async function resolveGitSource(
  ctx: BuildContext,
  def: PackageDef,
): Promise<{ dir?: string; diagnostics: Diagnostic[] }> {
  const url = def.git.url;
  const mirror = join(ctx.stateDir, 'git', def.name);
  if (/^[a-z+]+:\/\/|^[^/]+@[^/]+:/.test(url)) {
    try {
      if (!existsSync(mirror)) await runTool('git', ['clone', '-q', '--mirror', url, mirror]);
      else await git(mirror, 'fetch', '-q', '--prune', '--tags', 'origin');
      return { dir: mirror, diagnostics: [] };
    } catch (err) {
      if (err instanceof DiagnosticsError) throw err;
      return { diagnostics: [buildError(def, `cannot fetch ${url}: ${stderrOf(err)}`)] };
    }
  }
  const dir = isAbsolute(url) ? url : resolve(ctx.controlRepoDir, url);
  if (existsSync(join(dir, '.git')) || existsSync(join(dir, 'HEAD'))) return { dir, diagnostics: [] };
  const script = join(dirname(dir), 'make-git-repos.sh');
  if (existsSync(join(dir, 'releases')) && existsSync(script)) {
    try {
      await runTool('sh', [script, dir, mirror]);
    } catch (err) {
      return {
        diagnostics: [buildError(def, `${relative(ctx.controlRepoDir, script)} failed: ${stderrOf(err)}`)],
      };
    }
    return { dir: mirror, diagnostics: [] };
  }
  return { diagnostics: [buildError(def, `git.url: ${url} is not a git repository`)] };
}

/** The tags matching the package's tagPattern, oldest version first. */
export async function matchingTags(dir: string, def: PackageDef): Promise<TagInfo[]> {
  const pattern = new RegExp(def.tagPattern);
  const out: TagInfo[] = [];
  const lines = (await git(dir, 'for-each-ref', '--format=%(refname:short)', 'refs/tags'))
    .split('\n')
    .filter(Boolean);
  for (const tag of lines) {
    const m = pattern.exec(tag);
    if (!m?.[1]) continue;
    const [commit, tree, time] = (await git(dir, 'log', '-1', '--format=%H %T %ct', `${tag}^{commit}`)).split(
      ' ',
    );
    out.push({ tag, version: m[1], release: m[2] ?? '1', commit: commit!, tree: tree!, time: Number(time) });
  }
  return out.sort((a, b) => rpmvercmp(a.version, b.version) || rpmvercmp(a.release, b.release));
}

/** Writes the tagged tree as `<prefix>/...` into a .tar.gz: the spec's Source0. */
export async function archiveTag(gitDir: string, t: TagInfo, prefix: string, outFile: string): Promise<void> {
  await git(gitDir, 'archive', '--format=tar.gz', `--prefix=${prefix}/`, '-o', outFile, t.commit);
}

/** The text of `path` at the tag, or undefined when the tag has no such file. */
export async function fileAtTag(gitDir: string, t: TagInfo, path: string): Promise<string | undefined> {
  try {
    return await git(gitDir, 'show', `${t.commit}:${path}`);
  } catch (err) {
    if (err instanceof DiagnosticsError) throw err;
    return undefined;
  }
}
