// Prune: removes what nothing needs any more, rows first and files after, so that whatever a
// crash leaves behind is found again by the next prune.
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { artifactsDirIn, publicationDirName, publicationsDirIn, TMP_MARK } from './repo-context.js';
import type { RepoServiceOptions } from './repo-context.js';
import { repoTransaction } from './repo-transaction.js';
import type { StoreTransaction } from './repo-transaction.js';
import { nowIso } from '../store/index.js';

export interface PruneReport {
  versions: { repository: string; number: number }[];
  publications: number;
  artifacts: number;
  bytes: number;
}

/**
 * A temporary file or directory this old belongs to a writer that died: live writers finish
 * (or touch it) long before.
 */
const TMP_GRACE_MS = 60 * 60 * 1000;

/**
 * What a prune may take beyond what nothing references: without a policy every version that is
 * not a repository's latest and that no distribution or snapshot holds.
 */
export interface PrunePolicy {
  /** Keep this many newest versions of each repository (at least 1: the latest always stays). */
  keepVersions?: number;
  /** Keep versions created less than this many milliseconds before `now`. */
  olderThanMs?: number;
  /** Report what would go, change nothing. */
  dryRun?: boolean;
  /** The clock for olderThanMs (ISO time); the current time by default. */
  now?: string;
}

type Trx = StoreTransaction;

/** Decides what goes, in one transaction's view; deletes nothing. */
async function choose(trx: Trx, policy: PrunePolicy) {
  const livePubs = new Set(
    (await trx.selectFrom('repo_distributions').select('publication_id').execute()).map(
      (r) => r.publication_id,
    ),
  );
  const pubs = await trx.selectFrom('repo_publications').select(['id', 'sources_key']).execute();
  const deadPubs = pubs.filter((p) => !livePubs.has(p.id));
  const keep = new Set<number>();
  for (const r of await trx
    .selectFrom('repo_publication_sources')
    .select(['publication_id', 'version_id'])
    .execute())
    if (livePubs.has(r.publication_id)) keep.add(r.version_id);
  for (const r of await trx.selectFrom('repo_snapshot_versions').select('version_id').execute())
    keep.add(r.version_id);
  const versions = await trx
    .selectFrom('repo_versions as v')
    .innerJoin('repo_repositories as r', 'r.id', 'v.repository_id')
    .select(['v.id', 'v.number', 'v.repository_id', 'v.created_at', 'r.name'])
    .orderBy('v.number', 'desc')
    .execute();
  const keepN = Math.max(1, policy.keepVersions ?? 1);
  const cutoff =
    policy.olderThanMs === undefined ? undefined : Date.parse(policy.now ?? nowIso()) - policy.olderThanMs;
  const seen = new Map<number, number>();
  for (const v of versions) {
    const rank = (seen.get(v.repository_id) ?? 0) + 1;
    seen.set(v.repository_id, rank);
    if (rank <= keepN) keep.add(v.id);
    else if (cutoff !== undefined && Date.parse(v.created_at) > cutoff) keep.add(v.id);
  }
  const deadVersions = versions.filter((v) => !keep.has(v.id));
  const dead = new Set(deadVersions.map((v) => v.id));
  const used = new Set(
    (await trx.selectFrom('repo_version_content').select(['version_id', 'sha256']).execute())
      .filter((r) => !dead.has(r.version_id))
      .map((r) => r.sha256),
  );
  const artifacts = await trx.selectFrom('repo_artifacts').select(['sha256', 'size']).execute();
  const deadArtifacts = artifacts.filter((a) => !used.has(a.sha256));
  return { deadPubs, deadVersions, deadArtifacts };
}

const report = (
  freed: Awaited<ReturnType<typeof choose>>,
  pubDirs: number,
  artifactBytes: Map<string, number>,
): PruneReport => ({
  versions: freed.deadVersions
    .map((v) => ({ repository: v.name, number: v.number }))
    .sort((a, b) =>
      a.repository === b.repository ? a.number - b.number : a.repository < b.repository ? -1 : 1,
    ),
  publications: pubDirs,
  artifacts: artifactBytes.size,
  bytes: [...artifactBytes.values()].reduce((sum, n) => sum + n, 0),
});

/**
 * Removes publications no distribution points at; versions that the policy does not keep and
 * that no remaining publication or snapshot holds; artifacts no remaining version holds. With
 * `dryRun` it reports the rows it would remove and touches nothing (files left behind by killed
 * writers are then not counted).
 *
 * Two transactions, each under the repository lock. The first deletes the rows and commits.
 * The second removes every file and publication directory that has no row at that moment:
 * those the first freed, and those an earlier prune, upload or publication left behind when it
 * was killed. Writers put files in place and record their rows under the same lock (an upload
 * stores a file again if it went missing), so no file a committed row names is ever removed.
 */
export async function prune(ctx: RepoServiceOptions, policy: PrunePolicy = {}): Promise<PruneReport> {
  if (policy.dryRun) {
    const would = await repoTransaction(ctx.store, (trx) => choose(trx, policy));
    return report(would, would.deadPubs.length, new Map(would.deadArtifacts.map((a) => [a.sha256, a.size])));
  }
  const freed = await repoTransaction(ctx.store, async (trx) => {
    const chosen = await choose(trx, policy);
    for (const p of chosen.deadPubs) {
      await trx.deleteFrom('repo_publication_sources').where('publication_id', '=', p.id).execute();
      await trx.deleteFrom('repo_publications').where('id', '=', p.id).execute();
    }
    for (const v of chosen.deadVersions) {
      await trx.deleteFrom('repo_version_content').where('version_id', '=', v.id).execute();
      await trx.deleteFrom('repo_versions').where('id', '=', v.id).execute();
    }
    for (const a of chosen.deadArtifacts)
      await trx.deleteFrom('repo_artifacts').where('sha256', '=', a.sha256).execute();
    return chosen;
  });

  const files = await collectFiles(ctx);

  const artifactBytes = new Map<string, number>(freed.deadArtifacts.map((a) => [a.sha256, a.size]));
  const pubDirs = new Set(freed.deadPubs.map((p) => publicationDirName(p.sources_key)));
  await repoTransaction(ctx.store, async (trx) => {
    const stored = new Set(
      (await trx.selectFrom('repo_artifacts').select('sha256').execute()).map((r) => r.sha256),
    );
    for (const f of files.artifacts) {
      if (stored.has(f.name)) continue;
      await rm(f.path, { force: true });
      if (!artifactBytes.has(f.name)) artifactBytes.set(f.name, f.size);
    }
    const published = new Set(
      (await trx.selectFrom('repo_publications').select('sources_key').execute()).map((r) =>
        publicationDirName(r.sources_key),
      ),
    );
    for (const d of files.publications) {
      if (published.has(d.name)) continue;
      await rm(d.path, { recursive: true, force: true });
      pubDirs.add(d.name);
    }
    for (const path of files.abandoned) await rm(path, { recursive: true, force: true });
  });

  return report(freed, pubDirs.size, artifactBytes);
}

interface FoundEntry {
  name: string;
  path: string;
  size: number;
}

/**
 * What is on disk: artifact files (named by sha256), publication directories, and temporary
 * entries old enough to be abandoned. Entries with other names are not Aare's and stay.
 */
async function collectFiles(
  ctx: RepoServiceOptions,
): Promise<{ artifacts: FoundEntry[]; publications: FoundEntry[]; abandoned: string[] }> {
  const now = Date.now();
  const artifacts: FoundEntry[] = [];
  const publications: FoundEntry[] = [];
  const abandoned: string[] = [];
  const sort = async (dir: string, name: string, final: RegExp, into: FoundEntry[]) => {
    const path = join(dir, name);
    const s = await stat(path).catch(() => undefined);
    if (!s) return;
    const mark = name.indexOf(TMP_MARK);
    if (mark > 0 && final.test(name.slice(0, mark))) {
      if (now - s.mtimeMs > TMP_GRACE_MS) abandoned.push(path);
    } else if (final.test(name)) {
      into.push({ name, path, size: s.size });
    }
  };
  const artifactsDir = artifactsDirIn(ctx.stateDir);
  for (const prefix of await entries(artifactsDir)) {
    if (!/^[0-9a-f]{2}$/.test(prefix)) continue;
    const dir = join(artifactsDir, prefix);
    for (const name of await entries(dir)) await sort(dir, name, /^[0-9a-f]{64}$/, artifacts);
  }
  const pubsDir = publicationsDirIn(ctx.stateDir);
  for (const name of await entries(pubsDir)) await sort(pubsDir, name, /^[0-9a-f]{24}$/, publications);
  return { artifacts, publications, abandoned };
}

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR')
      return [];
    throw err;
  }
}
