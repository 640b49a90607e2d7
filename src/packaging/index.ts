/**
 * Packaging: from a git tag to a signed RPM in the repository service (git archive, spec,
 * rpmbuild, in-process signing, upload), and the context repository commands open (state
 * directory, store, provider key). It never serves HTTP and never edits the control repository.
 */
export { openRepoContext, loadProviderKey, stateDirOf } from './packaging-context.js';
export type { RepoContext, RepoContextOptions } from './packaging-context.js';
