/**
 * The repository service: content-addressed RPM storage, repositories with immutable numbered
 * versions, signed yum/dnf publications, distributions (stable paths that move atomically),
 * snapshots and pruning; plus the RPM header reader, verifier and in-process signer it needs.
 * It never builds packages (that is src/packaging) and never serves HTTP (that is src/server).
 */
export { openRepoService, artifactPathIn, publicationDirName, diffContent } from './repo-service.js';
export type {
  RepoService,
  RepoServiceOptions,
  PackageRef,
  RepositoryInfo,
  VersionInfo,
  VersionDiff,
  DistributionInfo,
  PruneReport,
  UploadOutcome,
} from './repo-service.js';
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
export type { SigningKey } from './signing-key.js';
export { rpmvercmp, compareEvr, formatEvr } from './rpm-version-compare.js';
