// Repositories, uploads and versions: content-addressed artifacts stored once under
// <stateDir>/artifacts, and numbered immutable versions, each a set of artifacts.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { error } from '../diag/index.js';
import type { Diagnostic, Result } from '../diag/index.js';
import { nowIso } from '../store/index.js';
import { artifactPathIn, NAME, notFound, TMP_MARK } from './repo-context.js';
import type { RepoServiceOptions } from './repo-context.js';
import { contentOf, findRepository, latestVersion, latestVersionContent } from './repo-queries.js';
import type { PackageRef } from './repo-queries.js';
import { repoTransaction } from './repo-transaction.js';
import type { StoreTransaction } from './repo-transaction.js';
import { packageFragments } from './repodata-writer.js';
import { checkRpm } from './rpm-verifier.js';
import type { CheckedRpm } from './rpm-verifier.js';

export interface RepositoryInfo {
  name: string;
  /** '' for the provider's shared repositories, which every distribution includes. */
  customer: string;
  latestVersion: number;
  packages: number;
}

export interface VersionInfo {
  repository: string;
  number: number;
  createdAt: string;
  packages: number;
}

export interface UploadOutcome {
  sha256: string;
  filename: string;
  /** The new version, or undefined when the repository already held this exact file. */
  version?: number;
  /** True when the artifact was new to the store (false: already stored for another repository). */
  storedNew: boolean;
}

export async function createRepository(
  ctx: RepoServiceOptions,
  name: string,
  customer: string,
): Promise<Result<RepositoryInfo | undefined>> {
  if (!NAME.test(name)) {
    return {
      value: undefined,
      diagnostics: [error('USAGE', `repository name '${name}' must match ${NAME.source}`, { field: 'name' })],
    };
  }
  const owner = await repoTransaction(ctx.store, async (trx) => {
    const existing = await findRepository(trx, name);
    if (existing) return existing.customer;
    const at = nowIso();
    const repo = await trx
      .insertInto('repo_repositories')
      .values({ name, customer, created_at: at })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('repo_versions')
      .values({ repository_id: repo.id, number: 0, created_at: at })
      .execute();
    return customer;
  });
  if (owner !== customer) {
    return {
      value: undefined,
      diagnostics: [
        error(
          'CONFLICT',
          `repository '${name}' already exists for ${owner ? `customer '${owner}'` : 'the provider'}`,
          { field: 'name' },
        ),
      ],
    };
  }
  const info = (await listRepositories(ctx)).find((r) => r.name === name);
  return { value: info, diagnostics: [] };
}

/**
 * Checks every file first; when any is refused nothing changes. Otherwise stores the new
 * artifacts and makes one new version holding all of them (none when the repository already
 * held every file).
 *
 * Copying runs before the repository lock is taken (it is the slow part); the transaction that
 * records the version then makes sure each file is still in place, storing it again if a prune
 * removed it in between (it had no row then), so a committed version never lacks a file.
 */
export async function uploadMany(
  ctx: RepoServiceOptions,
  repository: string,
  files: { file: string; shownAs?: string }[],
): Promise<Result<UploadOutcome[] | undefined>> {
  const repo = await findRepository(ctx.store.db, repository);
  if (!repo)
    return {
      value: undefined,
      diagnostics: [notFound(`no repository named '${repository}'`, 'repository')],
    };
  const checked: CheckedRpm[] = new Array<CheckedRpm>(files.length);
  const problems: Diagnostic[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(4, files.length) }, async () => {
      while (next < files.length) {
        const i = next++;
        const f = files[i]!;
        const r = await checkRpm(f.file, ctx.trustedKeys, f.shownAs ?? f.file);
        if (r.value) checked[i] = r.value;
        problems.push(...r.diagnostics);
      }
    }),
  );
  if (problems.length) return { value: undefined, diagnostics: problems };

  // 1. the files, each stored once.
  const stored: { c: CheckedRpm; file: string; shownAs: string; storedNew: boolean; mtime: number }[] = [];
  for (const [i, c] of checked.entries()) {
    const file = files[i]!.file;
    const shownAs = files[i]!.shownAs ?? file;
    const dest = artifactPathIn(ctx.stateDir, c.rpm.sha256);
    const { storedNew, mtime } = await storeArtifactFile(file, dest, c.rpm.size, shownAs);
    stored.push({ c, file, shownAs, storedNew, mtime });
  }

  // 2. metadata and the new version, in one transaction under the repository lock.
  return repoTransaction(ctx.store, async (trx) => {
    for (const { c, file, shownAs, mtime } of stored) {
      const fragments = packageFragments(c.rpm, `Packages/${c.filename}`, mtime);
      await trx
        .insertInto('repo_artifacts')
        .values({
          sha256: c.rpm.sha256,
          size: c.rpm.size,
          filename: c.filename,
          name: c.nevra.name,
          epoch: c.nevra.epoch,
          version: c.nevra.version,
          release: c.nevra.release,
          arch: c.nevra.arch,
          mtime,
          stored_at: nowIso(),
          primary_xml: fragments.primary,
          filelists_xml: fragments.filelists,
          other_xml: fragments.other,
        })
        .onConflict((oc) => oc.column('sha256').doNothing())
        .execute();
      await storeArtifactFile(file, artifactPathIn(ctx.stateDir, c.rpm.sha256), c.rpm.size, shownAs);
    }
    const { latest, content } = await latestVersionContent(trx, repo.id);
    const bySha = new Set(content.map((c) => c.sha256));
    const byFile = new Map(content.map((c) => [c.filename, c.sha256]));
    const conflicts: Diagnostic[] = [];
    const added: string[] = [];
    for (const { c, shownAs } of stored) {
      if (bySha.has(c.rpm.sha256)) continue;
      const clash = byFile.get(c.filename);
      if (clash) {
        conflicts.push(
          error(
            'CONFLICT',
            `repository '${repository}' already holds ${c.filename} with other content (sha256 ${clash.slice(0, 12)}); a released version is never replaced, build a new release instead`,
            { field: shownAs },
          ),
        );
        continue;
      }
      bySha.add(c.rpm.sha256);
      byFile.set(c.filename, c.rpm.sha256);
      added.push(c.rpm.sha256);
    }
    if (conflicts.length) return { value: undefined, diagnostics: conflicts };
    const number = added.length
      ? await newVersion(trx, repo.id, latest.number, [...content.map((c) => c.sha256), ...added])
      : undefined;
    const fresh = new Set(added);
    return {
      value: stored.map(({ c, storedNew }) => ({
        sha256: c.rpm.sha256,
        filename: c.filename,
        version: fresh.has(c.rpm.sha256) ? number : undefined,
        storedNew,
      })),
      diagnostics: [],
    };
  });
}

/**
 * Puts `file` at `dest` unless a file of the expected size is there: copied to a temporary name
 * beside its place, then renamed, so `dest` is never a partial file. Says whether it stored the
 * file and the file's mtime in seconds (taken before `dest` is visible: a prune may remove a file
 * without a row at any moment until the upload's transaction).
 */
async function storeArtifactFile(
  file: string,
  dest: string,
  size: number,
  shownAs: string,
): Promise<{ storedNew: boolean; mtime: number }> {
  const present = await stat(dest).catch(() => undefined);
  if (present?.size === size) return { storedNew: false, mtime: Math.floor(present.mtimeMs / 1000) };
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}${TMP_MARK}${randomBytes(6).toString('hex')}`;
  try {
    await copyFile(file, tmp);
    const copied = await stat(tmp);
    if (copied.size !== size) throw new Error(`${shownAs} changed while it was being stored`);
    await rename(tmp, dest);
    return { storedNew: true, mtime: Math.floor(copied.mtimeMs / 1000) };
  } finally {
    await rm(tmp, { force: true });
  }
}

export async function newVersion(
  trx: StoreTransaction,
  repositoryId: number,
  previous: number,
  shas: string[],
): Promise<number> {
  const number = previous + 1;
  const v = await trx
    .insertInto('repo_versions')
    .values({ repository_id: repositoryId, number, created_at: nowIso() })
    .returning('id')
    .executeTakeFirstOrThrow();
  const unique = [...new Set(shas)];
  for (let i = 0; i < unique.length; i += 500) {
    await trx
      .insertInto('repo_version_content')
      .values(unique.slice(i, i + 500).map((sha256) => ({ version_id: v.id, sha256 })))
      .execute();
  }
  return number;
}

export async function removePackages(
  ctx: RepoServiceOptions,
  repository: string,
  filenames: string[],
): Promise<Result<number | undefined>> {
  const repo = await findRepository(ctx.store.db, repository);
  if (!repo) return { value: undefined, diagnostics: [notFound(`no repository named '${repository}'`)] };
  return repoTransaction(ctx.store, async (trx) => {
    const { latest, content } = await latestVersionContent(trx, repo.id);
    const missing = filenames.filter((f) => !content.some((c) => c.filename === f || c.name === f));
    if (missing.length) {
      return {
        value: undefined,
        diagnostics: missing.map((m) =>
          notFound(`repository '${repository}' version ${latest.number} holds no package '${m}'`),
        ),
      };
    }
    const keep = content.filter((c) => !filenames.includes(c.filename) && !filenames.includes(c.name));
    const number = await newVersion(
      trx,
      repo.id,
      latest.number,
      keep.map((c) => c.sha256),
    );
    return { value: number, diagnostics: [] };
  });
}

export async function listRepositories(ctx: RepoServiceOptions): Promise<RepositoryInfo[]> {
  const db = ctx.store.db;
  const repos = await db.selectFrom('repo_repositories').selectAll().orderBy('name').execute();
  const out: RepositoryInfo[] = [];
  for (const r of repos) {
    const latest = await latestVersion(db, r.id);
    const count = await db
      .selectFrom('repo_version_content')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('version_id', '=', latest.id)
      .executeTakeFirstOrThrow();
    out.push({ name: r.name, customer: r.customer, latestVersion: latest.number, packages: Number(count.n) });
  }
  return out;
}

export async function versions(ctx: RepoServiceOptions, repository: string): Promise<Result<VersionInfo[]>> {
  const repo = await findRepository(ctx.store.db, repository);
  if (!repo) return { value: [], diagnostics: [notFound(`no repository named '${repository}'`)] };
  const rows = await ctx.store.db
    .selectFrom('repo_versions as v')
    .leftJoin('repo_version_content as c', 'c.version_id', 'v.id')
    .select((eb) => ['v.number', 'v.created_at', eb.fn.count<number>('c.sha256').as('n')])
    .where('v.repository_id', '=', repo.id)
    .groupBy(['v.number', 'v.created_at'])
    .orderBy('v.number')
    .execute();
  return {
    value: rows.map((r) => ({
      repository,
      number: r.number,
      createdAt: r.created_at,
      packages: Number(r.n),
    })),
    diagnostics: [],
  };
}

/** A repository's version row (its latest when `number` is undefined), or why there is none. */
export async function versionRow(ctx: RepoServiceOptions, repository: string, number?: number) {
  const db = ctx.store.db;
  const repo = await findRepository(db, repository);
  if (!repo) return { diagnostics: [notFound(`no repository named '${repository}'`)] };
  const v =
    number === undefined
      ? await latestVersion(db, repo.id)
      : await db
          .selectFrom('repo_versions')
          .selectAll()
          .where('repository_id', '=', repo.id)
          .where('number', '=', number)
          .executeTakeFirst();
  if (!v) return { diagnostics: [notFound(`repository '${repository}' has no version ${number}`)] };
  return { value: v, repo, diagnostics: [] };
}

export async function packagesOf(
  ctx: RepoServiceOptions,
  repository: string,
  version?: number,
): Promise<Result<PackageRef[]>> {
  const v = await versionRow(ctx, repository, version);
  if (!v.value) return { value: [], diagnostics: v.diagnostics };
  return { value: await contentOf(ctx.store.db, v.value.id), diagnostics: [] };
}
