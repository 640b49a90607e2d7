/**
 * Packaging: from a git tag to a signed RPM in the repository service (git archive, spec,
 * rpmbuild, in-process signing, upload). It works on the context it is given (src/app opens it):
 * it reads no environment and opens no store. It never serves HTTP and never edits the control
 * repository.
 */
export type { RepoContext } from './packaging-context.js';
export { buildPackage, resolveGitSource } from './package-builder.js';
export type { BuildOptions, BuildOutcome } from './package-builder.js';
export { generateSpec } from './spec-generator.js';
export type { PackageDef } from './spec-generator.js';
