// After a build: sign the RPM with the provider's key in Aare's own process (the build never had
// the key), keep the signed file beside the build log, upload it into each target repository, and
// record the build so that the tag is not built again.
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Diagnostic } from '../diag/index.js';
import { signRpm } from '../repo/index.js';
import { nowIso } from '../store/index.js';
import type { Store } from '../store/index.js';
import type { BuildContext } from './build-context.js';
import type { TagInfo } from './git-source.js';
import type { PackageDef } from './spec-generator.js';

/** repository -> new version number (absent when the repository already held the file) */
export type UploadedVersions = Record<string, number | undefined>;

export interface PublishOptions {
  /** Customers known to the control repository (a repository named after one is theirs). */
  customers?: ReadonlySet<string>;
}

/** What the store remembers of a tag's build. */
export interface PriorBuild {
  tree_sha: string;
  commit_sha: string;
  built_at: string;
  sha256: string;
  filename: string;
  log_path: string;
}

export async function priorBuild(
  ctx: BuildContext,
  def: PackageDef,
  tag: string,
): Promise<PriorBuild | undefined> {
  return ctx.store.db
    .selectFrom('package_builds')
    .selectAll()
    .where('package', '=', def.name)
    .where('tag', '=', tag)
    .executeTakeFirst();
}

/** A recorded build of a package's tag, oldest first (for `aare serve`'s API). */
export interface RecordedBuild {
  package: string;
  tag: string;
  commit: string;
  filename: string;
  sha256: string;
  builtAt: string;
}

export async function listBuilds(store: Store, pkg: string): Promise<RecordedBuild[]> {
  const rows = await store.db
    .selectFrom('package_builds')
    .selectAll()
    .where('package', '=', pkg)
    .orderBy('built_at')
    .execute();
  return rows.map((r) => ({
    package: r.package,
    tag: r.tag,
    commit: r.commit_sha,
    filename: r.filename,
    sha256: r.sha256,
    builtAt: r.built_at,
  }));
}

/**
 * Signs, keeps (as `<keepDir>/<filename>`), uploads and records a freshly built RPM. A failed
 * upload leaves the build unrecorded, so the next run builds and uploads it again.
 */
export async function signAndPublish(
  ctx: BuildContext,
  def: PackageDef,
  t: TagInfo,
  built: { filename: string; rpm: Buffer },
  paths: { keepDir: string; logPath: string },
  opts: PublishOptions,
): Promise<{ value?: { sha256: string; repositories: UploadedVersions }; diagnostics: Diagnostic[] }> {
  const key = ctx.signingKey;
  if (!key) throw new Error('building packages needs the provider signing key');
  const signed = await signRpm(built.rpm, key);
  const kept = join(paths.keepDir, built.filename);
  await writeFile(kept, signed);
  const repositories = await uploadAll(ctx, def, kept, opts);
  if (repositories.diagnostics.length) return { diagnostics: repositories.diagnostics };
  const sha256 = createHash('sha256').update(signed).digest('hex');
  await ctx.store.db
    .insertInto('package_builds')
    .values({
      package: def.name,
      tag: t.tag,
      commit_sha: t.commit,
      tree_sha: t.tree,
      sha256,
      filename: built.filename,
      log_path: paths.logPath,
      built_at: nowIso(),
    })
    .execute();
  return { value: { sha256, repositories: repositories.value }, diagnostics: [] };
}

/** Uploads a signed RPM into every repository of the package (creating a repository on first use). */
export async function uploadAll(
  ctx: BuildContext,
  def: PackageDef,
  file: string,
  opts: PublishOptions,
): Promise<{ value: UploadedVersions; diagnostics: Diagnostic[] }> {
  const value: UploadedVersions = {};
  const diagnostics: Diagnostic[] = [];
  for (const name of def.repositories) {
    const customer = name === def.customer || opts.customers?.has(name) ? name : '';
    const created = await ctx.repoService.createRepository(name, customer);
    if (created.diagnostics.length) {
      diagnostics.push(...created.diagnostics);
      continue;
    }
    const r = await ctx.repoService.upload(name, file, relative(process.cwd(), file));
    if (r.value) value[name] = r.value.version;
    diagnostics.push(...r.diagnostics);
  }
  return { value, diagnostics };
}
