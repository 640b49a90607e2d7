import type { RepoService, SigningKey } from '../repo/index.js';
import type { Store } from '../store/index.js';
import type { BuildSandbox } from './build-sandbox.js';

/**
 * What a package build works with; the composition root (src/app) opens it. Packaging reads no
 * environment and opens no store of its own.
 */
export interface PackagingContext {
  /** The control repository's directory: package git sources are relative to it. */
  controlRepoDir: string;
  /** Generated state: git mirrors and build logs go under it; never visible to a build (docs/security.md). */
  stateDir: string;
  store: Store;
  /** The package repository service builds are uploaded to. */
  repoService: RepoService;
  /** The provider's key; builds sign with it in Aare's process, after rpmbuild has exited. */
  signingKey?: SigningKey;
  /** Whether builds run in the sandbox (AARE_BUILD_SANDBOX, read once in src/app). */
  buildSandbox: BuildSandbox;
}
