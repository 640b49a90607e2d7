import type { RepoService, SigningKey } from '../repo/index.js';
import type { Store } from '../store/index.js';

/**
 * What a package build works with; the composition root (src/app) opens it. Packaging reads no
 * environment and opens no store of its own.
 */
export interface RepoContext {
  /** The control repository's directory: package git sources are relative to it. */
  root: string;
  /** Generated state: git mirrors and build logs go under it. */
  stateDir: string;
  store: Store;
  /** The package repository service builds are uploaded to. */
  repo: RepoService;
  /** The provider's key builds are signed with. */
  signingKey?: SigningKey;
}
