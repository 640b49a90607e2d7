// What every job of the repository service works on: the store, the state directory and its
// layout on disk, the keys; and the names it accepts.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { PublicKey } from 'openpgp';
import { error } from '../diag/index.js';
import type { Diagnostic } from '../diag/index.js';
import type { Store } from '../store/index.js';
import type { SigningKey } from './signing-key.js';

export interface RepoServiceOptions {
  store: Store;
  /** Where artifacts and publications live (the control repository's .aare/ by default). */
  stateDir: string;
  /** Needed to publish (sign repomd.xml); not needed to serve or to upload. */
  signingKey?: SigningKey;
  /** Keys whose RPM signatures uploads accept (the provider's public key(s)). */
  trustedKeys: PublicKey[];
}

/** Repository, customer, environment and snapshot names. */
export const NAME = /^[a-z0-9][a-z0-9._-]*$/;

export const notFound = (summary: string, field?: string): Diagnostic =>
  error('NOT_FOUND', summary, { field });

export function artifactsDirIn(stateDir: string): string {
  return join(stateDir, 'artifacts');
}

export function artifactPathIn(stateDir: string, sha256: string): string {
  return join(artifactsDirIn(stateDir), sha256.slice(0, 2), sha256);
}

export function publicationsDirIn(stateDir: string): string {
  return join(stateDir, 'publications');
}

/** Directory of a publication: named by its sources, so writing one twice lands in one place. */
export function publicationDirName(sourcesKey: string): string {
  return createHash('sha256').update(sourcesKey).digest('hex').slice(0, 24);
}

export function publicationPathIn(stateDir: string, sourcesKey: string): string {
  return join(publicationsDirIn(stateDir), publicationDirName(sourcesKey));
}

/** Temporary files and directories are named `<final name>.tmp-<random>` beside their place. */
export const TMP_MARK = '.tmp-';
