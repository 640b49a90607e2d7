// The embedded repository service: the job Pulp does, on one machine. Artifacts are stored once
// by sha256 under <stateDir>/artifacts; metadata lives in the store; publications are directories
// of signed repodata under <stateDir>/publications, written once and never changed; a
// distribution is one row that points at a publication and moves in one update. Each job lives
// in its own file (repo-versions, repo-diff, repo-publications, repo-distributions,
// repo-snapshots, repo-prune); this file only puts them behind the one interface.
import type { Result } from '../diag/index.js';
import { artifactPathIn } from './repo-context.js';
import type { RepoServiceOptions } from './repo-context.js';
import { diffVersions } from './repo-diff.js';
import type { VersionDiff } from './repo-diff.js';
import { distribute, distributions, moveDistribution, resolveDistribution } from './repo-distributions.js';
import type { DistributionInfo } from './repo-distributions.js';
import { prune } from './repo-prune.js';
import type { PrunePolicy, PruneReport } from './repo-prune.js';
import { deleteRepository, undistribute } from './repo-delete.js';
import { publicationDir, publish } from './repo-publications.js';
import type { PackageRef } from './repo-queries.js';
import { addRemote, remotes } from './repo-remotes.js';
import type { AddRemoteOptions, RemoteInfo } from './repo-remotes.js';
import { snapshot, snapshots } from './repo-snapshots.js';
import { sync } from './repo-sync.js';
import type { SyncOptions, SyncReport } from './repo-sync.js';
import type { SnapshotInfo } from './repo-snapshots.js';
import {
  createRepository,
  listRepositories,
  packagesOf,
  removePackages,
  uploadMany,
  versions,
} from './repo-versions.js';
import type { RepositoryInfo, UploadOutcome, VersionInfo } from './repo-versions.js';

/**
 * Repository operations behind one interface (upload, new version, publish, distribute,
 * snapshot, prune), so that a Pulp back end can stand in later. User mistakes come back as
 * diagnostics and change nothing. Writers in several processes or servers sharing one store
 * take turns (see repo-transaction.ts), and no job leaves a row that names a missing file.
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
  snapshots(): Promise<SnapshotInfo[]>;
  prune(policy?: PrunePolicy): Promise<PruneReport>;
  /** Refused while a snapshot holds or a distribution serves one of its versions. */
  deleteRepository(name: string): Promise<Result<void>>;
  /** Refused while the distribution serves the snapshot of a release. */
  undistribute(customer: string, environment: string): Promise<Result<void>>;
  /** Writes (or finds) the publication of a set of repository version ids. */
  publish(versionIds: number[]): Promise<Result<number | undefined>>;
  /** The publication directory a distribution serves now (one indexed query; for serving). */
  resolveDistribution(basePath: string): Promise<{ publicationId: number; dir: string } | undefined>;
  /** Path of the artifact file for a sha256 (for serving). */
  artifactPath(sha256: string): string;
  publicationDir(publicationId: number): Promise<string | undefined>;

  /**
   * Upstream mirrors (repo-remotes.ts, repo-sync.ts; docs/repositories.md). Undefined for a back
   * end that does not mirror (yet): callers say so with MIRROR_UNSUPPORTED.
   */
  mirrors?: RepoMirrors;
}

/** Mirrors of upstream dnf/yum repositories, each into a shared repository of its name. */
export interface RepoMirrors {
  /** Adds a remote and its empty shared repository; refused (changing nothing) for on_demand. */
  addRemote(name: string, url: string, opts: AddRemoteOptions): Promise<Result<RemoteInfo | undefined>>;
  remotes(): Promise<RemoteInfo[]>;
  /**
   * Mirrors the named remotes (all when none): one new version each when the upstream changed.
   * A refused or interrupted sync leaves the previous version; the next one resumes it.
   */
  sync(names: string[], opts?: SyncOptions): Promise<Result<SyncReport[]>>;
}

export function openRepoService(opts: RepoServiceOptions): RepoService {
  return {
    createRepository: (name, customer) => createRepository(opts, name, customer),
    upload: async (repository, file, shownAs = file) => {
      const r = await uploadMany(opts, repository, [{ file, shownAs }]);
      return { value: r.value?.[0], diagnostics: r.diagnostics };
    },
    uploadMany: (repository, files) => uploadMany(opts, repository, files),
    removePackages: (repository, filenames) => removePackages(opts, repository, filenames),
    listRepositories: () => listRepositories(opts),
    versions: (repository) => versions(opts, repository),
    packagesOf: (repository, version) => packagesOf(opts, repository, version),
    diff: (repository, from, to) => diffVersions(opts, repository, from, to),
    distribute: (customer, environment, o) => distribute(opts, customer, environment, o),
    moveDistribution: (basePath, publicationId) => moveDistribution(opts, basePath, publicationId),
    distributions: () => distributions(opts),
    snapshot: (name, repositories) => snapshot(opts, name, repositories),
    snapshots: () => snapshots(opts),
    prune: (policy) => prune(opts, policy),
    deleteRepository: (name) => deleteRepository(opts, name),
    undistribute: (customer, environment) => undistribute(opts, customer, environment),
    publish: (versionIds) => publish(opts, versionIds),
    resolveDistribution: (basePath) => resolveDistribution(opts, basePath),
    artifactPath: (sha256) => artifactPathIn(opts.stateDir, sha256),
    publicationDir: (publicationId) => publicationDir(opts, publicationId),
    mirrors: {
      addRemote: (name, url, o) => addRemote(opts, name, url, o),
      remotes: () => remotes(opts),
      sync: (names, o) => sync(opts, names, o),
    },
  };
}
