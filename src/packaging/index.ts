/**
 * Packaging: from a git tag to a signed RPM in the repository service (git archive, spec,
 * rpmbuild in a sandbox, in-process signing, upload), and the context repository commands open
 * (state directory, store, provider key). It never serves HTTP and never edits the control
 * repository, and it never runs a customer's spec outside the build sandbox (docs/security.md).
 */
export { openRepoContext, loadProviderKey, stateDirOf, repositoryBaseUrl } from './packaging-context.js';
export type { RepoContext, RepoContextOptions } from './packaging-context.js';
export { buildPackage } from './package-builder.js';
export type { BuildOptions, BuildOutcome } from './package-builder.js';
export type { BuildContext } from './build-context.js';
export { resolveGitSource } from './git-source.js';
export { SANDBOX_ENV } from './build-sandbox.js';
export { generateSpec } from './spec-generator.js';
export type { PackageDef } from './spec-generator.js';
