/**
 * Packaging: from a git tag to a signed RPM in the repository service (git archive, spec,
 * rpmbuild in a sandbox, in-process signing, upload). It works on the context it is given
 * (src/app opens it): it reads no environment and opens no store. It never serves HTTP, never edits
 * the control repository, and never runs a customer's spec outside the build sandbox
 * (docs/security.md).
 */
export type { PackagingContext } from './packaging-context.js';
export { buildPackage } from './package-builder.js';
export { listBuilds } from './build-publish.js';
export type { RecordedBuild } from './build-publish.js';
export type { BuildOptions, BuildOutcome } from './package-builder.js';
export type { BuildContext } from './build-context.js';
export { resolveGitSource } from './git-source.js';
export { SANDBOX_ENV } from './build-sandbox.js';
export type { BuildSandbox } from './build-sandbox.js';
export { generateSpec } from './spec-generator.js';
export type { PackageDef } from './spec-generator.js';
