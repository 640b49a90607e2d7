// The embedded repository service: the job Pulp does, on one machine. Artifacts are stored once
// by sha256 under <stateDir>/artifacts; metadata lives in the store; publications are directories
// of signed repodata under <stateDir>/publications, written once and never changed; a
// distribution is one row that points at a publication and moves in one update.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PublicKey } from 'openpgp';
import { error } from '../diag/index.js';
import type { Diagnostic, Result } from '../diag/index.js';
import { nowIso } from '../store/index.js';
import type { Store } from '../store/index.js';
import { packageFragments, repodataDocuments, writeRepodata } from './repodata-writer.js';
import { checkRpm } from './rpm-verifier.js';
import type { CheckedRpm } from './rpm-verifier.js';
import { compareEvr, formatEvr } from './rpm-version-compare.js';
import { signDetachedArmored } from './signing-key.js';
import type { SigningKey } from './signing-key.js';

/** A stored package as listings show it. */
export interface PackageRef {
  sha256: string;
  filename: string;
  name: string;
  epoch: number;
  version: string;
  release: string;
  arch: string;
  size: number;
}

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

export interface VersionDiff {
  repository: string;
  from: number;
  to: number;
  added: PackageRef[];
  removed: PackageRef[];
  upgraded: { name: string; arch: string; from: string; to: string; downgrade: boolean }[];
}

export interface DistributionInfo {
  basePath: string;
  customer: string;
  environment: string;
  publicationId: number;
  snapshot: string | null;
  updatedAt: string;
  /** repository name -> version number the publication holds */
  versions: Record<string, number>;
  packages: string[];
}

export interface PruneReport {
  versions: { repository: string; number: number }[];
  publications: number;
  artifacts: number;
  bytes: number;
}

export interface UploadOutcome {
  sha256: string;
  filename: string;
  /** The new version, or undefined when the repository already held this exact file. */
  version?: number;
  /** True when the artifact was new to the store (false: already stored for another repository). */
  storedNew: boolean;
}

export interface RepoServiceOptions {
  store: Store;
  /** Where artifacts and publications live (the control repository's .aare/ by default). */
  stateDir: string;
  /** Needed to publish (sign repomd.xml); not needed to serve or to upload. */
  signingKey?: SigningKey;
  /** Keys whose RPM signatures uploads accept (the provider's public key(s)). */
  trustedKeys: PublicKey[];
}

/**
 * Repository operations behind one interface (upload, new version, publish, distribute,
 * snapshot, prune), so that a Pulp back end can stand in later. User mistakes come back as
 * diagnostics and change nothing.
 */
export interface RepoService {
  createRepository(name: string, customer: string): Promise<Result<RepositoryInfo | undefined>>;
  upload(repository: string, file: string, shownAs?: string): Promise<Result<UploadOutcome | undefined>>;
  /** Several files as one new version; all are checked first and any refusal changes nothing. */
  uploadMany(
    repository: string,
    files: { file: string; shownAs?: string }[],
  ): Promise<Result<UploadOutcome[] | undefined>>;
  removePackages(repository: string, filenames: string[]): Promise<Result<number | undefined>>;
  listRepositories(): Promise<RepositoryInfo[]>;
  versions(repository: string): Promise<Result<VersionInfo[]>>;
  packagesOf(repository: string, version?: number): Promise<Result<PackageRef[]>>;
  diff(repository: string, from: number, to: number): Promise<Result<VersionDiff | undefined>>;
  distribute(
    customer: string,
    environment: string,
    opts?: { snapshot?: string },
  ): Promise<Result<DistributionInfo | undefined>>;
  /** Points the distribution at an existing publication: one row update (what bench times). */
  moveDistribution(basePath: string, publicationId: number): Promise<Result<void>>;
  distributions(): Promise<DistributionInfo[]>;
  snapshot(
    name: string,
    repositories?: string[],
  ): Promise<Result<{ name: string; versions: Record<string, number> } | undefined>>;
  snapshots(): Promise<{ name: string; createdAt: string; versions: Record<string, number> }[]>;
  prune(): Promise<PruneReport>;
  /** Writes (or finds) the publication of a set of repository version ids. */
  publish(versionIds: number[]): Promise<Result<number | undefined>>;
  /** The publication directory a distribution serves now (one indexed query; for serving). */
  resolveDistribution(basePath: string): Promise<{ publicationId: number; dir: string } | undefined>;
  /** Path of the artifact file for a sha256 (for serving). */
  artifactPath(sha256: string): string;
  publicationDir(publicationId: number): Promise<string | undefined>;
}

const notFound = (summary: string, field?: string): Diagnostic => error('NOT_FOUND', summary, { field });
const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex');
const NAME = /^[a-z0-9][a-z0-9._-]*$/;

export function artifactPathIn(stateDir: string, sha256: string): string {
  return join(stateDir, 'artifacts', sha256.slice(0, 2), sha256);
}

/** Directory of a publication: named by its sources, so writing one twice lands in one place. */
export function publicationDirName(sourcesKey: string): string {
  return sha256Hex(sourcesKey).slice(0, 24);
}

export function openRepoService(opts: RepoServiceOptions): RepoService {
  return new LocalRepoService(opts);
}

class LocalRepoService implements RepoService {
  private readonly store: Store;
  private readonly stateDir: string;
  constructor(private readonly opts: RepoServiceOptions) {
    this.store = opts.store;
    this.stateDir = opts.stateDir;
  }

  artifactPath(sha256: string): string {
    return artifactPathIn(this.stateDir, sha256);
  }

  async publicationDir(publicationId: number): Promise<string | undefined> {
    const row = await this.store.db
      .selectFrom('repo_publications')
      .select('sources_key')
      .where('id', '=', publicationId)
      .executeTakeFirst();
    return row ? join(this.stateDir, 'publications', publicationDirName(row.sources_key)) : undefined;
  }

  async resolveDistribution(basePath: string): Promise<{ publicationId: number; dir: string } | undefined> {
    const row = await this.store.db
      .selectFrom('repo_distributions as d')
      .innerJoin('repo_publications as p', 'p.id', 'd.publication_id')
      .select(['p.id', 'p.sources_key'])
      .where('d.base_path', '=', basePath)
      .executeTakeFirst();
    return row
      ? {
          publicationId: row.id,
          dir: join(this.stateDir, 'publications', publicationDirName(row.sources_key)),
        }
      : undefined;
  }

  async createRepository(name: string, customer: string): Promise<Result<RepositoryInfo | undefined>> {
    if (!NAME.test(name)) {
      return {
        value: undefined,
        diagnostics: [
          error('USAGE', `repository name '${name}' must match ${NAME.source}`, { field: 'name' }),
        ],
      };
    }
    const existing = await this.repository(name);
    if (existing) {
      if (existing.customer !== customer) {
        return {
          value: undefined,
          diagnostics: [
            error(
              'CONFLICT',
              `repository '${name}' already exists for ${existing.customer ? `customer '${existing.customer}'` : 'the provider'}`,
              { field: 'name' },
            ),
          ],
        };
      }
    } else {
      await this.store.transaction(async (trx) => {
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
      });
    }
    const info = (await this.listRepositories()).find((r) => r.name === name);
    return { value: info, diagnostics: [] };
  }

  private async repository(name: string) {
    return this.store.db
      .selectFrom('repo_repositories')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
  }

  private async latestVersion(repositoryId: number) {
    return this.store.db
      .selectFrom('repo_versions')
      .selectAll()
      .where('repository_id', '=', repositoryId)
      .orderBy('number', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
  }

  private async contentOf(versionId: number): Promise<PackageRef[]> {
    return this.store.db
      .selectFrom('repo_version_content as c')
      .innerJoin('repo_artifacts as a', 'a.sha256', 'c.sha256')
      .select(['a.sha256', 'a.filename', 'a.name', 'a.epoch', 'a.version', 'a.release', 'a.arch', 'a.size'])
      .where('c.version_id', '=', versionId)
      .orderBy('a.filename')
      .execute();
  }

  async upload(repository: string, file: string, shownAs = file): Promise<Result<UploadOutcome | undefined>> {
    const r = await this.uploadMany(repository, [{ file, shownAs }]);
    return { value: r.value?.[0], diagnostics: r.diagnostics };
  }

  /**
   * Checks every file first; when any is refused nothing changes. Otherwise stores the new
   * artifacts and makes one new version holding all of them (none when the repository already
   * held every file).
   */
  async uploadMany(
    repository: string,
    files: { file: string; shownAs?: string }[],
  ): Promise<Result<UploadOutcome[] | undefined>> {
    const repo = await this.repository(repository);
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
          const r = await checkRpm(f.file, this.opts.trustedKeys, f.shownAs ?? f.file);
          if (r.value) checked[i] = r.value;
          problems.push(...r.diagnostics);
        }
      }),
    );
    if (problems.length) return { value: undefined, diagnostics: problems };

    // 1. the files, each stored once: copied to a temporary name beside its place, then renamed.
    const stored: { c: CheckedRpm; shownAs: string; storedNew: boolean; mtime: number }[] = [];
    for (const [i, c] of checked.entries()) {
      const shownAs = files[i]!.shownAs ?? files[i]!.file;
      const dest = this.artifactPath(c.rpm.sha256);
      let storedNew = false;
      if (!existsSync(dest)) {
        await mkdir(join(dest, '..'), { recursive: true });
        const tmp = `${dest}.tmp-${randomBytes(6).toString('hex')}`;
        await copyFile(files[i]!.file, tmp);
        if ((await stat(tmp)).size !== c.rpm.size) {
          await rm(tmp, { force: true });
          throw new Error(`${shownAs} changed while it was being stored`);
        }
        await rename(tmp, dest);
        storedNew = true;
      }
      stored.push({ c, shownAs, storedNew, mtime: Math.floor((await stat(dest)).mtimeMs / 1000) });
    }

    // 2. metadata and the new version, in one transaction.
    return this.versionTransaction(async (trx) => {
      for (const { c, mtime } of stored) {
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
        ? await this.newVersion(trx, repo.id, latest.number, [...content.map((c) => c.sha256), ...added])
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
   * A transaction that makes a new version. Two writers that read the same latest version race
   * for the same number; the loser's insert violates the unique (repository, number) key and it
   * runs again on the new latest version.
   */
  private async versionTransaction<T>(
    fn: (trx: Parameters<Parameters<Store['transaction']>[0]>[0]) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.transaction(fn);
      } catch (err) {
        if (attempt >= 5 || !isUniqueViolation(err)) throw err;
      }
    }
  }

  private async newVersion(
    trx: Parameters<Parameters<Store['transaction']>[0]>[0],
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

  async removePackages(repository: string, filenames: string[]): Promise<Result<number | undefined>> {
    const repo = await this.repository(repository);
    if (!repo) return { value: undefined, diagnostics: [notFound(`no repository named '${repository}'`)] };
    return this.versionTransaction(async (trx) => {
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
      const number = await this.newVersion(
        trx,
        repo.id,
        latest.number,
        keep.map((c) => c.sha256),
      );
      return { value: number, diagnostics: [] };
    });
  }

  async listRepositories(): Promise<RepositoryInfo[]> {
    const repos = await this.store.db.selectFrom('repo_repositories').selectAll().orderBy('name').execute();
    const out: RepositoryInfo[] = [];
    for (const r of repos) {
      const latest = await this.latestVersion(r.id);
      const count = await this.store.db
        .selectFrom('repo_version_content')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('version_id', '=', latest.id)
        .executeTakeFirstOrThrow();
      out.push({
        name: r.name,
        customer: r.customer,
        latestVersion: latest.number,
        packages: Number(count.n),
      });
    }
    return out;
  }

  async versions(repository: string): Promise<Result<VersionInfo[]>> {
    const repo = await this.repository(repository);
    if (!repo) return { value: [], diagnostics: [notFound(`no repository named '${repository}'`)] };
    const rows = await this.store.db
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

  private async versionRow(repository: string, number?: number) {
    const repo = await this.repository(repository);
    if (!repo) return { diagnostics: [notFound(`no repository named '${repository}'`)] };
    const v =
      number === undefined
        ? await this.latestVersion(repo.id)
        : await this.store.db
            .selectFrom('repo_versions')
            .selectAll()
            .where('repository_id', '=', repo.id)
            .where('number', '=', number)
            .executeTakeFirst();
    if (!v) return { diagnostics: [notFound(`repository '${repository}' has no version ${number}`)] };
    return { value: v, repo, diagnostics: [] };
  }

  async packagesOf(repository: string, version?: number): Promise<Result<PackageRef[]>> {
    const v = await this.versionRow(repository, version);
    if (!v.value) return { value: [], diagnostics: v.diagnostics };
    return { value: await this.contentOf(v.value.id), diagnostics: [] };
  }

  async diff(repository: string, from: number, to: number): Promise<Result<VersionDiff | undefined>> {
    const a = await this.versionRow(repository, from);
    const b = await this.versionRow(repository, to);
    if (!a.value || !b.value) return { value: undefined, diagnostics: [...a.diagnostics, ...b.diagnostics] };
    return {
      value: diffContent(
        repository,
        from,
        to,
        await this.contentOf(a.value.id),
        await this.contentOf(b.value.id),
      ),
      diagnostics: [],
    };
  }

  /** The versions a distribution of `customer` holds: the customer's and the shared repositories'. */
  private async sourcesFor(
    customer: string,
    snapshot?: string,
  ): Promise<Result<{ id: number; repository: string; number: number }[]>> {
    const repos = await this.store.db
      .selectFrom('repo_repositories')
      .selectAll()
      .where((eb) => eb.or([eb('customer', '=', customer), eb('customer', '=', '')]))
      .orderBy('name')
      .execute();
    if (!repos.some((r) => r.customer === customer)) {
      return {
        value: [],
        diagnostics: [
          notFound(
            `customer '${customer}' has no repository yet (build or upload a package first)`,
            'customer',
          ),
        ],
      };
    }
    if (snapshot === undefined) {
      const out = [];
      for (const r of repos) {
        const v = await this.latestVersion(r.id);
        out.push({ id: v.id, repository: r.name, number: v.number });
      }
      return { value: out, diagnostics: [] };
    }
    const snap = await this.store.db
      .selectFrom('repo_snapshots')
      .selectAll()
      .where('name', '=', snapshot)
      .executeTakeFirst();
    if (!snap) return { value: [], diagnostics: [notFound(`no snapshot named '${snapshot}'`, 'snapshot')] };
    const rows = await this.store.db
      .selectFrom('repo_snapshot_versions as s')
      .innerJoin('repo_versions as v', 'v.id', 's.version_id')
      .innerJoin('repo_repositories as r', 'r.id', 'v.repository_id')
      .select(['v.id', 'r.name as repository', 'v.number', 'r.customer'])
      .where('s.snapshot_id', '=', snap.id)
      .where((eb) => eb.or([eb('r.customer', '=', customer), eb('r.customer', '=', '')]))
      .orderBy('r.name')
      .execute();
    if (!rows.some((r) => r.customer === customer)) {
      return {
        value: [],
        diagnostics: [
          notFound(`snapshot '${snapshot}' holds no repository of customer '${customer}'`, 'snapshot'),
        ],
      };
    }
    return { value: rows.map(({ id, repository, number }) => ({ id, repository, number })), diagnostics: [] };
  }

  /** Writes (or finds) the publication of a set of repository versions. */
  async publish(versionIds: number[]): Promise<Result<number | undefined>> {
    const ids = [...new Set(versionIds)].sort((x, y) => x - y);
    const sourcesKey = ids.join(',');
    const existing = await this.store.db
      .selectFrom('repo_publications')
      .select('id')
      .where('sources_key', '=', sourcesKey)
      .executeTakeFirst();
    const dir = join(this.stateDir, 'publications', publicationDirName(sourcesKey));
    if (existing && existsSync(join(dir, 'repodata', 'repomd.xml.asc')))
      return { value: existing.id, diagnostics: [] };
    const key = this.opts.signingKey;
    if (!key) throw new Error('publishing needs the provider signing key');
    const rows = await this.store.db
      .selectFrom('repo_version_content as c')
      .innerJoin('repo_artifacts as a', 'a.sha256', 'c.sha256')
      .select(['a.sha256', 'a.filename', 'a.primary_xml', 'a.filelists_xml', 'a.other_xml'])
      .where('c.version_id', 'in', ids.length ? ids : [-1])
      .execute();
    const byFile = new Map<string, (typeof rows)[number]>();
    for (const r of rows) {
      const other = byFile.get(r.filename);
      if (other && other.sha256 !== r.sha256) {
        return {
          value: undefined,
          diagnostics: [
            error(
              'CONFLICT',
              `two repositories hold different files named ${r.filename}; a distribution can serve only one`,
            ),
          ],
        };
      }
      byFile.set(r.filename, r);
    }
    const packages = [...byFile.values()].sort((x, y) => (x.filename < y.filename ? -1 : 1));
    const docs = repodataDocuments(
      packages.map((p) => ({ primary: p.primary_xml, filelists: p.filelists_xml, other: p.other_xml })),
    );
    const tmp = `${dir}.tmp-${randomBytes(6).toString('hex')}`;
    const repomd = await writeRepodata(tmp, docs, Math.floor(Date.now() / 1000));
    await writeFile(join(tmp, 'repodata', 'repomd.xml.asc'), await signDetachedArmored(repomd, key));
    await writeFile(join(tmp, 'repodata', 'repomd.xml.key'), key.publicArmored);
    await writeFile(
      join(tmp, 'packages.json'),
      JSON.stringify(Object.fromEntries(packages.map((p) => [p.filename, p.sha256]))),
    );
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
    if (existing) return { value: existing.id, diagnostics: [] };
    const id = await this.store.transaction(async (trx) => {
      const row = await trx
        .insertInto('repo_publications')
        .values({ sources_key: sourcesKey, revision: Math.floor(Date.now() / 1000), created_at: nowIso() })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const versionId of ids) {
        await trx
          .insertInto('repo_publication_sources')
          .values({ publication_id: row.id, version_id: versionId })
          .execute();
      }
      return row.id;
    });
    return { value: id, diagnostics: [] };
  }

  async distribute(
    customer: string,
    environment: string,
    opts: { snapshot?: string } = {},
  ): Promise<Result<DistributionInfo | undefined>> {
    if (!NAME.test(customer) || !NAME.test(environment)) {
      return {
        value: undefined,
        diagnostics: [
          error('USAGE', `customer and environment must match ${NAME.source}`, { field: 'customer' }),
        ],
      };
    }
    const sources = await this.sourcesFor(customer, opts.snapshot);
    if (sources.diagnostics.length) return { value: undefined, diagnostics: sources.diagnostics };
    const pub = await this.publish(sources.value.map((s) => s.id));
    if (pub.value === undefined) return { value: undefined, diagnostics: pub.diagnostics };
    const basePath = `${customer}/${environment}`;
    const at = nowIso();
    await this.store.transaction(async (trx) => {
      const updated = await trx
        .updateTable('repo_distributions')
        .set({ publication_id: pub.value, snapshot: opts.snapshot ?? null, updated_at: at })
        .where('base_path', '=', basePath)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) {
        await trx
          .insertInto('repo_distributions')
          .values({
            base_path: basePath,
            customer,
            environment,
            publication_id: pub.value!,
            snapshot: opts.snapshot ?? null,
            updated_at: at,
          })
          .execute();
      }
    });
    const info = (await this.distributions()).find((d) => d.basePath === basePath);
    return { value: info, diagnostics: [] };
  }

  async moveDistribution(basePath: string, publicationId: number): Promise<Result<void>> {
    const r = await this.store.db
      .updateTable('repo_distributions')
      .set({ publication_id: publicationId, updated_at: nowIso() })
      .where('base_path', '=', basePath)
      .executeTakeFirst();
    return {
      value: undefined,
      diagnostics: Number(r.numUpdatedRows) ? [] : [notFound(`no distribution '${basePath}'`)],
    };
  }

  async distributions(): Promise<DistributionInfo[]> {
    const rows = await this.store.db
      .selectFrom('repo_distributions')
      .selectAll()
      .orderBy('base_path')
      .execute();
    // two queries for all distributions, not two per distribution
    const sources = await this.store.db
      .selectFrom('repo_publication_sources as s')
      .innerJoin('repo_versions as v', 'v.id', 's.version_id')
      .innerJoin('repo_repositories as r', 'r.id', 'v.repository_id')
      .select(['s.publication_id', 'r.name', 'v.number'])
      .orderBy('r.name')
      .execute();
    const names = await this.store.db
      .selectFrom('repo_publication_sources as s')
      .innerJoin('repo_version_content as c', 'c.version_id', 's.version_id')
      .innerJoin('repo_artifacts as a', 'a.sha256', 'c.sha256')
      .select(['s.publication_id', 'a.name'])
      .distinct()
      .orderBy('a.name')
      .execute();
    const out: DistributionInfo[] = [];
    for (const d of rows) {
      out.push({
        basePath: d.base_path,
        customer: d.customer,
        environment: d.environment,
        publicationId: d.publication_id,
        snapshot: d.snapshot,
        updatedAt: d.updated_at,
        versions: Object.fromEntries(
          sources.filter((x) => x.publication_id === d.publication_id).map((x) => [x.name, x.number]),
        ),
        packages: names.filter((n) => n.publication_id === d.publication_id).map((n) => n.name),
      });
    }
    return out;
  }

  async snapshot(
    name: string,
    repositories?: string[],
  ): Promise<Result<{ name: string; versions: Record<string, number> } | undefined>> {
    if (!NAME.test(name)) {
      return {
        value: undefined,
        diagnostics: [error('USAGE', `snapshot name '${name}' must match ${NAME.source}`, { field: 'name' })],
      };
    }
    const all = await this.store.db.selectFrom('repo_repositories').selectAll().orderBy('name').execute();
    const wanted = repositories?.length ? repositories : all.map((r) => r.name);
    const missing = wanted.filter((w) => !all.some((r) => r.name === w));
    if (missing.length)
      return { value: undefined, diagnostics: missing.map((m) => notFound(`no repository named '${m}'`)) };
    const chosen = all.filter((r) => wanted.includes(r.name));
    const versions: Record<string, number> = {};
    const result = await this.store.transaction(async (trx) => {
      const exists = await trx
        .selectFrom('repo_snapshots')
        .select('id')
        .where('name', '=', name)
        .executeTakeFirst();
      if (exists) return false;
      const snap = await trx
        .insertInto('repo_snapshots')
        .values({ name, created_at: nowIso() })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const r of chosen) {
        const v = await trx
          .selectFrom('repo_versions')
          .selectAll()
          .where('repository_id', '=', r.id)
          .orderBy('number', 'desc')
          .limit(1)
          .executeTakeFirstOrThrow();
        versions[r.name] = v.number;
        await trx
          .insertInto('repo_snapshot_versions')
          .values({ snapshot_id: snap.id, version_id: v.id })
          .execute();
      }
      return true;
    });
    if (!result) {
      return {
        value: undefined,
        diagnostics: [
          error('CONFLICT', `a snapshot named '${name}' already exists; snapshots are immutable`, {
            field: 'name',
          }),
        ],
      };
    }
    return { value: { name, versions }, diagnostics: [] };
  }

  async snapshots() {
    const snaps = await this.store.db.selectFrom('repo_snapshots').selectAll().orderBy('name').execute();
    const rows = await this.store.db
      .selectFrom('repo_snapshot_versions as sv')
      .innerJoin('repo_versions as v', 'v.id', 'sv.version_id')
      .innerJoin('repo_repositories as r', 'r.id', 'v.repository_id')
      .select(['sv.snapshot_id', 'r.name', 'v.number'])
      .orderBy('r.name')
      .execute();
    const out = [];
    for (const s of snaps) {
      out.push({
        name: s.name,
        createdAt: s.created_at,
        versions: Object.fromEntries(
          rows.filter((r) => r.snapshot_id === s.id).map((r) => [r.name, r.number]),
        ),
      });
    }
    return out;
  }

  /**
   * Removes what nothing needs: publications no distribution points at; versions that are not a
   * repository's latest and that no remaining publication or snapshot holds; artifacts no remaining
   * version holds (rows, then files). Files are removed after the transaction commits, so a crash
   * leaves at worst unreferenced files, which the next prune finds again.
   */
  async prune(): Promise<PruneReport> {
    const freed = await this.store.transaction(async (trx) => {
      const livePubs = new Set(
        (await trx.selectFrom('repo_distributions').select('publication_id').execute()).map(
          (r) => r.publication_id,
        ),
      );
      const pubs = await trx.selectFrom('repo_publications').select(['id', 'sources_key']).execute();
      const deadPubs = pubs.filter((p) => !livePubs.has(p.id));
      for (const p of deadPubs) {
        await trx.deleteFrom('repo_publication_sources').where('publication_id', '=', p.id).execute();
        await trx.deleteFrom('repo_publications').where('id', '=', p.id).execute();
      }
      const keep = new Set<number>();
      for (const r of await trx.selectFrom('repo_publication_sources').select('version_id').execute())
        keep.add(r.version_id);
      for (const r of await trx.selectFrom('repo_snapshot_versions').select('version_id').execute())
        keep.add(r.version_id);
      const versions = await trx
        .selectFrom('repo_versions as v')
        .innerJoin('repo_repositories as r', 'r.id', 'v.repository_id')
        .select(['v.id', 'v.number', 'v.repository_id', 'r.name'])
        .execute();
      const latest = new Map<number, number>();
      for (const v of versions)
        latest.set(v.repository_id, Math.max(latest.get(v.repository_id) ?? -1, v.number));
      const deadVersions = versions.filter(
        (v) => !keep.has(v.id) && latest.get(v.repository_id) !== v.number,
      );
      for (const v of deadVersions) {
        await trx.deleteFrom('repo_version_content').where('version_id', '=', v.id).execute();
        await trx.deleteFrom('repo_versions').where('id', '=', v.id).execute();
      }
      const used = new Set(
        (await trx.selectFrom('repo_version_content').select('sha256').distinct().execute()).map(
          (r) => r.sha256,
        ),
      );
      const artifacts = await trx.selectFrom('repo_artifacts').select(['sha256', 'size']).execute();
      const deadArtifacts = artifacts.filter((a) => !used.has(a.sha256));
      for (const a of deadArtifacts)
        await trx.deleteFrom('repo_artifacts').where('sha256', '=', a.sha256).execute();
      return { deadPubs, deadVersions, deadArtifacts };
    });
    let bytes = 0;
    for (const a of freed.deadArtifacts) {
      bytes += a.size;
      await rm(this.artifactPath(a.sha256), { force: true });
    }
    for (const p of freed.deadPubs) {
      await rm(join(this.stateDir, 'publications', publicationDirName(p.sources_key)), {
        recursive: true,
        force: true,
      });
    }
    return {
      versions: freed.deadVersions
        .map((v) => ({ repository: v.name, number: v.number }))
        .sort((a, b) =>
          a.repository === b.repository ? a.number - b.number : a.repository < b.repository ? -1 : 1,
        ),
      publications: freed.deadPubs.length,
      artifacts: freed.deadArtifacts.length,
      bytes,
    };
  }
}

/** A unique-key violation, by the drivers' error codes (PostgreSQL 23505, SQLite's extended code). */
function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** What changed between two versions' contents: by name and arch, newest EVR on each side. */
export function diffContent(
  repository: string,
  from: number,
  to: number,
  before: PackageRef[],
  after: PackageRef[],
): VersionDiff {
  const newest = (list: PackageRef[]) => {
    const m = new Map<string, PackageRef>();
    for (const p of list) {
      const k = `${p.name}.${p.arch}`;
      const cur = m.get(k);
      if (!cur || compareEvr(p, cur) > 0) m.set(k, p);
    }
    return m;
  };
  const a = newest(before);
  const b = newest(after);
  const diff: VersionDiff = { repository, from, to, added: [], removed: [], upgraded: [] };
  for (const [k, p] of b) {
    const old = a.get(k);
    if (!old) diff.added.push(p);
    else if (old.sha256 !== p.sha256) {
      const c = compareEvr(p, old);
      diff.upgraded.push({
        name: p.name,
        arch: p.arch,
        from: formatEvr(old),
        to: formatEvr(p),
        downgrade: c < 0,
      });
    }
  }
  for (const [k, p] of a) if (!b.has(k)) diff.removed.push(p);
  return diff;
}

type StoreTransaction = Parameters<Parameters<Store['transaction']>[0]>[0];

/** The newest version of a repository and its packages, read inside the caller's transaction. */
async function latestVersionContent(trx: StoreTransaction, repositoryId: number) {
  const latest = await trx
    .selectFrom('repo_versions')
    .selectAll()
    .where('repository_id', '=', repositoryId)
    .orderBy('number', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  const content = await trx
    .selectFrom('repo_version_content as c')
    .innerJoin('repo_artifacts as a', 'a.sha256', 'c.sha256')
    .select(['a.sha256', 'a.filename', 'a.name'])
    .where('c.version_id', '=', latest.id)
    .execute();
  return { latest, content };
}
