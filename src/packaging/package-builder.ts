// git tag -> signed RPM -> repository versions. For each tag: git archive at the tag and its spec
// (git-source.ts; the source's own spec, or one generated from the package's build description),
// rpmbuild in a sandbox with SOURCE_DATE_EPOCH from the tagged commit (rpm-build.ts,
// build-sandbox.ts), then, outside the sandbox, an in-process header signature with the provider's
// key and an upload into each target repository (build-publish.ts). A tag built once is not built
// again; a tag whose tree changed since its build is refused.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { error, missingTools, toolMissing } from '../diag/index.js';
import type { Diagnostic } from '../diag/index.js';
import { buildError } from './build-context.js';
import type { BuildContext } from './build-context.js';
import { priorBuild, signAndPublish, uploadAll } from './build-publish.js';
import type { PriorBuild, PublishOptions, UploadedVersions } from './build-publish.js';
import { matchingTags, resolveGitSource } from './git-source.js';
import type { TagInfo } from './git-source.js';
import { buildRpm } from './rpm-build.js';
import type { PackageDef } from './spec-generator.js';

export interface BuildOptions extends PublishOptions {
  /** Build exactly this tag. */
  tag?: string;
  /** Build every matching tag not built yet (default: only the newest matching tag). */
  allNewTags?: boolean;
  signal?: AbortSignal;
}

export interface BuildOutcome {
  package: string;
  tag: string;
  version: string;
  release: string;
  status: 'built' | 'already-built';
  filename: string;
  sha256: string;
  logPath: string;
  /** repository -> new version number (absent when the repository already held the file) */
  repositories: UploadedVersions;
}

type Built = { value?: BuildOutcome; diagnostics: Diagnostic[] };

/** Builds the package's tags as `opts` asks; returns what was built or found built, or why not. */
export async function buildPackage(
  ctx: BuildContext,
  def: PackageDef,
  opts: BuildOptions = {},
): Promise<{ value: BuildOutcome[]; diagnostics: Diagnostic[] }> {
  const address = `package ${def.name}`;
  if (missingTools(['git']).length) return { value: [], diagnostics: [toolMissing('git', { address })] };
  const src = await resolveGitSource(ctx, def);
  if (!src.dir) return { value: [], diagnostics: src.diagnostics };
  const tags = await matchingTags(src.dir, def);
  const wanted = wantedTags(def, tags, opts);
  if (!Array.isArray(wanted)) return { value: [], diagnostics: [wanted] };
  const value: BuildOutcome[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const t of wanted) {
    opts.signal?.throwIfAborted();
    const r = await buildTag(ctx, def, src.dir, t, opts);
    if (r.value) value.push(r.value);
    diagnostics.push(...r.diagnostics);
    // a missing tool or sandbox fails every further tag the same way: say it once
    if (r.diagnostics.some((d) => d.code === 'TOOL_MISSING' || d.code === 'BUILD_SANDBOX')) break;
  }
  return { value, diagnostics };
}

function wantedTags(def: PackageDef, tags: TagInfo[], opts: BuildOptions): TagInfo[] | Diagnostic {
  if (opts.tag !== undefined) {
    const t = tags.find((x) => x.tag === opts.tag);
    if (t) return [t];
    return buildError(
      def,
      `tag '${opts.tag}' does not exist in ${def.git.url} or does not match tagPattern ${def.tagPattern} (matching tags: ${tags.map((x) => x.tag).join(', ') || 'none'})`,
    );
  }
  const wanted = opts.allNewTags ? tags : tags.slice(-1);
  if (!wanted.length) return buildError(def, `no tag of ${def.git.url} matches tagPattern ${def.tagPattern}`);
  return wanted;
}

/** One tag: refuse a moved tag, re-upload an earlier build, or build, sign and publish. */
async function buildTag(
  ctx: BuildContext,
  def: PackageDef,
  gitDir: string,
  t: TagInfo,
  opts: BuildOptions,
): Promise<Built> {
  const prior = await priorBuild(ctx, def, t.tag);
  if (prior && prior.tree_sha !== t.tree) return { diagnostics: [tagMoved(def, t, prior)] };
  const logDir = join(ctx.stateDir, 'builds', def.name);
  await mkdir(logDir, { recursive: true });
  const outcome = (
    status: BuildOutcome['status'],
    b: Omit<BuildOutcome, 'package' | 'tag' | 'version' | 'release' | 'status'>,
  ): BuildOutcome => ({
    package: def.name,
    tag: t.tag,
    version: t.version,
    release: t.release,
    status,
    ...b,
  });
  if (prior) {
    const stored = ctx.repoService.artifactPath(prior.sha256);
    const file = existsSync(stored) ? stored : join(logDir, prior.filename);
    const uploaded = await uploadAll(ctx, def, file, opts);
    if (uploaded.diagnostics.length) return { diagnostics: uploaded.diagnostics };
    const { filename, sha256, log_path: logPath } = prior;
    return {
      value: outcome('already-built', { filename, sha256, logPath, repositories: uploaded.value }),
      diagnostics: [],
    };
  }
  const logPath = join(logDir, `${t.tag}.log`);
  // The build sees neither the state directory (keys, database, other packages' sources and
  // builds), the control repository nor the git repository (only its archive), even where a
  // system directory it can read holds them.
  const built = await buildRpm({
    def,
    gitDir,
    tag: t,
    logPath,
    hide: [ctx.stateDir, ctx.controlRepoDir, gitDir],
    sandbox: ctx.buildSandbox,
    signal: opts.signal,
  });
  if (!built.value) {
    return { diagnostics: built.diagnostics.map((d) => ({ address: `package ${def.name}`, ...d })) };
  }
  const published = await signAndPublish(ctx, def, t, built.value, { keepDir: logDir, logPath }, opts);
  if (!published.value) return { diagnostics: published.diagnostics };
  const { sha256, repositories } = published.value;
  return {
    value: outcome('built', { filename: built.value.filename, sha256, logPath, repositories }),
    diagnostics: [],
  };
}

function tagMoved(def: PackageDef, t: TagInfo, prior: PriorBuild): Diagnostic {
  return error(
    'TAG_CHANGED',
    `tag ${t.tag} of package ${def.name} now points at commit ${t.commit.slice(0, 12)} (tree ${t.tree.slice(0, 12)}), but it was built on ${prior.built_at} from commit ${prior.commit_sha.slice(0, 12)} (tree ${prior.tree_sha.slice(0, 12)}); a released tag must not move: tag the change as a new version`,
    { source: def.source, address: `package ${def.name}` },
  );
}
