// Upstream mirrors: a remote names a dnf/yum repository elsewhere and the key its repomd.xml is
// signed with; `sync` (repo-sync.ts) makes versions of the shared repository of the same name.
import { error } from '../diag/index.js';
import type { Diagnostic, Result } from '../diag/index.js';
import { DiagnosticsError } from '../diag/index.js';
import { nowIso } from '../store/index.js';
import { NAME } from './repo-context.js';
import type { RepoServiceOptions } from './repo-context.js';
import { findRepository } from './repo-queries.js';
import { repoTransaction } from './repo-transaction.js';
import { readPublicKeys } from './signing-key.js';
import { fetchBytes } from './upstream-fetch.js';

export type RemotePolicy = 'immediate' | 'on_demand';

export interface RemoteInfo {
  name: string;
  url: string;
  policy: RemotePolicy;
  /** Fingerprints of the upstream key(s) repomd.xml must be signed with. */
  keyFingerprints: string[];
  lastSyncedAt: string | null;
}

export interface AddRemoteOptions {
  policy?: RemotePolicy;
  /** Where the upstream's armored public key is (URL or path); read once, when the remote is added. */
  gpgKey: string;
}

const refuse = (...diagnostics: Diagnostic[]) => ({ value: undefined, diagnostics });

/**
 * Adds a remote and creates its (empty, shared) repository. Changes nothing when refused: a bad
 * name, URL or policy, a key that cannot be read, or a name already taken.
 */
export async function addRemote(
  ctx: RepoServiceOptions,
  name: string,
  url: string,
  opts: AddRemoteOptions,
): Promise<Result<RemoteInfo | undefined>> {
  const policy = opts.policy ?? 'immediate';
  if (!NAME.test(name))
    return refuse(error('USAGE', `remote name '${name}' must match ${NAME.source}`, { field: 'name' }));
  if (!/^https?:\/\/[^/]/i.test(url)) {
    return refuse(
      error('USAGE', `the upstream URL must be http:// or https://, got '${url}'`, { field: 'url' }),
    );
  }
  if (policy !== 'immediate' && policy !== 'on_demand') {
    return refuse(
      error('USAGE', `--policy must be immediate or on_demand, got '${String(policy)}'`, { field: 'policy' }),
    );
  }
  if (policy === 'on_demand') {
    return refuse(
      error(
        'MIRROR_UNSUPPORTED',
        'the on_demand policy (fetching packages when first served) is not supported yet; use immediate',
        { field: 'policy' },
      ),
    );
  }
  let armored: string;
  let fingerprints: string[];
  try {
    armored = (await fetchBytes(opts.gpgKey)).toString('utf8');
  } catch (err) {
    if (err instanceof DiagnosticsError) return refuse(...err.diagnostics);
    throw err;
  }
  try {
    fingerprints = (await readPublicKeys(armored)).map((k) => k.getFingerprint().toUpperCase());
  } catch (err) {
    return refuse(
      error(
        'MIRROR_SIGNATURE',
        `${opts.gpgKey} is not an armored OpenPGP public key (${(err as Error).message})`,
        {
          field: 'gpgkey',
        },
      ),
    );
  }
  const base = url.endsWith('/') ? url : `${url}/`;
  const taken = await repoTransaction(ctx.store, async (trx) => {
    if (await findRepository(trx, name)) return `a repository named '${name}' already exists`;
    const at = nowIso();
    await trx
      .insertInto('repo_remotes')
      .values({
        name,
        url: base,
        policy,
        gpg_key: armored,
        created_at: at,
        last_repomd_sha256: null,
        last_synced_at: null,
      })
      .execute();
    const repo = await trx
      .insertInto('repo_repositories')
      .values({ name, customer: '', created_at: at })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('repo_versions')
      .values({ repository_id: repo.id, number: 0, created_at: at })
      .execute();
    return undefined;
  });
  if (taken)
    return refuse(error('CONFLICT', `${taken}; a remote makes its own shared repository`, { field: 'name' }));
  return {
    value: { name, url: base, policy, keyFingerprints: fingerprints, lastSyncedAt: null },
    diagnostics: [],
  };
}

export async function remotes(ctx: RepoServiceOptions): Promise<RemoteInfo[]> {
  const rows = await ctx.store.db.selectFrom('repo_remotes').selectAll().orderBy('name').execute();
  const out: RemoteInfo[] = [];
  for (const r of rows) {
    const keys = await readPublicKeys(r.gpg_key);
    out.push({
      name: r.name,
      url: r.url,
      policy: r.policy,
      keyFingerprints: keys.map((k) => k.getFingerprint().toUpperCase()),
      lastSyncedAt: r.last_synced_at,
    });
  }
  return out;
}
