/**
 * The repository service: content-addressed RPM storage, repositories with immutable numbered
 * versions, signed yum/dnf publications, distributions (stable paths that move atomically),
 * snapshots and pruning; plus the RPM header reader, verifier and in-process signer it needs.
 * It never builds packages (that is src/packaging) and never serves HTTP (that is src/server).
 */
export { openRepoService } from './repo-service.js';
export type { RepoMirrors, RepoService } from './repo-service.js';
export { artifactPathIn, publicationDirName } from './repo-context.js';
export type { RepoServiceOptions } from './repo-context.js';
export { diffContent } from './repo-diff.js';
export type { VersionDiff } from './repo-diff.js';
export type { PackageRef } from './repo-queries.js';
export type { RepositoryInfo, VersionInfo, UploadOutcome } from './repo-versions.js';
export type { DistributionInfo } from './repo-distributions.js';
export type { SnapshotInfo } from './repo-snapshots.js';
export type { PrunePolicy, PruneReport } from './repo-prune.js';
export type { AddRemoteOptions, RemoteInfo, RemotePolicy } from './repo-remotes.js';
export type { SyncOptions, SyncProgress, SyncReport } from './repo-sync.js';
export { parsePrimary, parseRepomd } from './upstream-repodata.js';
export type { RepomdEntry, UpstreamPackage } from './upstream-repodata.js';
export { checkModelNames } from './repo-names.js';
export type { ModelNames } from './repo-names.js';
export {
  readRpmFile,
  DEFAULT_HEADER_LIMITS,
  RpmFormatError,
  RpmLimitError,
  RPMTAG,
  SIGTAG,
} from './rpm-header-reader.js';
export type { RpmFile, RpmHeader, HeaderLimits } from './rpm-header-reader.js';
export { packageFragments, repodataDocuments, writeRepodata } from './repodata-writer.js';
export type { PackageFragments, RepodataDocuments } from './repodata-writer.js';
export { checkRpm } from './rpm-verifier.js';
export type { CheckedRpm } from './rpm-verifier.js';
export { signRpm } from './rpm-signer.js';
export {
  readSigningKey,
  readOrCreateSigningKey,
  signingKeyFromArmored,
  readPublicKeys,
  signDetachedArmored,
} from './signing-key.js';
export type { SigningKey, SigningKeyIdentity } from './signing-key.js';
export { openSigningKey, readSigningKeyRecord, recordSigningKey } from './signing-key-state.js';
export type { SigningKeyRecord } from './signing-key-state.js';
export { rpmvercmp, compareEvr, formatEvr } from './rpm-version-compare.js';
export { openPulpRepoService } from './pulp-backend.js';
export type { PulpRepoOptions } from './pulp-backend.js';
export type { PulpConnection } from './pulp-client.js';
