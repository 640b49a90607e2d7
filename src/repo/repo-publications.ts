// Publications: signed yum/dnf repodata for a set of repository versions, written once into
// <stateDir>/publications/<name from the set> and never changed afterwards.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { error } from '../diag/index.js';
import type { Result } from '../diag/index.js';
import { nowIso } from '../store/index.js';
import type { Store } from '../store/index.js';
import { publicationPathIn, TMP_MARK } from './repo-context.js';
import type { RepoServiceOptions } from './repo-context.js';
import { repoTransaction, withRetries } from './repo-transaction.js';
import type { StoreTransaction } from './repo-transaction.js';
import { repodataDocuments, writeRepodata } from './repodata-writer.js';
import { signDetachedArmored } from './signing-key.js';
import { recordSigningKey } from './signing-key-state.js';

/** A publication made ready outside the repository lock, to be committed under it. */
export interface PreparedPublication {
  ids: number[];
  sourcesKey: string;
  /** Freshly written repodata, or undefined when a complete publication was already on disk. */
  tmp?: string;
}

/**
 * Writes (or finds) the publication of a set of repository version ids. Repeating it is
 * harmless: the same set always lands in the same row and directory.
 */
export async function publish(
  ctx: RepoServiceOptions,
  versionIds: number[],
): Promise<Result<number | undefined>> {
  return withRetries(ctx.store, async (db, trx) => {
    const prepared = await preparePublication(ctx, db, versionIds);
    if (!prepared.value) return { value: undefined, diagnostics: prepared.diagnostics };
    try {
      const id = trx
        ? await commitPublication(ctx, trx, prepared.value)
        : await repoTransaction(ctx.store, (t) => commitPublication(ctx, t, prepared.value!));
      if (id === 'gone') {
        return {
          value: undefined,
          diagnostics: [
            error('NOT_FOUND', `a repository version among ${versionIds.join(', ')} does not exist`),
          ],
        };
      }
      return id === 'stale' ? 'again' : { value: id, diagnostics: [] };
    } finally {
      await discard(prepared.value);
    }
  });
}

/**
 * The slow part of publishing, normally outside the repository lock: reads the versions' packages and
 * writes their signed repodata into a temporary directory beside its final place. Writes nothing
 * when a complete publication of these versions is already on disk.
 */
export async function preparePublication(
  ctx: RepoServiceOptions,
  db: Store['db'],
  versionIds: number[],
): Promise<Result<PreparedPublication | undefined>> {
  const ids = [...new Set(versionIds)].sort((x, y) => x - y);
  const sourcesKey = ids.join(',');
  const dir = publicationPathIn(ctx.stateDir, sourcesKey);
  const existing = await db
    .selectFrom('repo_publications')
    .select('id')
    .where('sources_key', '=', sourcesKey)
    .executeTakeFirst();
  if (existing && isComplete(dir)) return { value: { ids, sourcesKey }, diagnostics: [] };
  const key = ctx.signingKey;
  if (!key) throw new Error('publishing needs the provider signing key');
  const rows = await db
    .selectFrom('repo_version_content as c')
    .innerJoin('repo_artifacts as a', 'a.sha256', 'c.sha256')
    .select(['a.sha256', 'a.filename', 'a.primary_xml', 'a.filelists_xml', 'a.other_xml'])
    .where('c.version_id', 'in', ids.length ? ids : [-1])
    .execute();
  const byFile = new Map<string, (typeof rows)[number]>();
  for (const r of rows) {
    const other = byFile.get(r.filename);
    if (other && other.sha256 !== r.sha256) {
      return {
        value: undefined,
        diagnostics: [
          error(
            'CONFLICT',
            `two repositories hold different files named ${r.filename}; a distribution can serve only one`,
          ),
        ],
      };
    }
    byFile.set(r.filename, r);
  }
  const packages = [...byFile.values()].sort((x, y) => (x.filename < y.filename ? -1 : 1));
  const docs = repodataDocuments(
    packages.map((p) => ({ primary: p.primary_xml, filelists: p.filelists_xml, other: p.other_xml })),
  );
  const tmp = `${dir}${TMP_MARK}${randomBytes(6).toString('hex')}`;
  try {
    const repomd = await writeRepodata(tmp, docs, Math.floor(Date.now() / 1000));
    await writeFile(join(tmp, 'repodata', 'repomd.xml.asc'), await signDetachedArmored(repomd, key));
    await writeFile(join(tmp, 'repodata', 'repomd.xml.key'), key.publicArmored);
    await writeFile(
      join(tmp, 'packages.json'),
      JSON.stringify(Object.fromEntries(packages.map((p) => [p.filename, p.sha256]))),
    );
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return { value: { ids, sourcesKey, tmp }, diagnostics: [] };
}

/**
 * Under the repository lock: puts the prepared directory in place (unless a complete one is
 * there already) and finds or inserts the publication's row. 'stale' when the directory went
 * missing since it was prepared (a prune removed it), 'gone' when a source version no longer
 * exists; nothing is written in either case. Commit the caller's transaction before relying on
 * the directory: until then a crash leaves only a directory without a row, which prune removes.
 */
export async function commitPublication(
  ctx: RepoServiceOptions,
  trx: StoreTransaction,
  prepared: PreparedPublication,
): Promise<number | 'stale' | 'gone'> {
  const { ids, sourcesKey, tmp } = prepared;
  if (ids.length) {
    const present = await trx.selectFrom('repo_versions').select('id').where('id', 'in', ids).execute();
    if (present.length !== ids.length) return 'gone';
  }
  const dir = publicationPathIn(ctx.stateDir, sourcesKey);
  if (!isComplete(dir)) {
    if (!tmp) return 'stale';
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
    if (ctx.signingKey) await recordSigningKey(trx, ctx.signingKey.fingerprint);
  }
  const existing = await trx
    .selectFrom('repo_publications')
    .select('id')
    .where('sources_key', '=', sourcesKey)
    .executeTakeFirst();
  if (existing) return existing.id;
  const row = await trx
    .insertInto('repo_publications')
    .values({ sources_key: sourcesKey, revision: Math.floor(Date.now() / 1000), created_at: nowIso() })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (ids.length) {
    await trx
      .insertInto('repo_publication_sources')
      .values(ids.map((versionId) => ({ publication_id: row.id, version_id: versionId })))
      .execute();
  }
  return row.id;
}

/** Removes the prepared directory if it was not put in place. */
export async function discard(prepared: PreparedPublication): Promise<void> {
  if (prepared.tmp) await rm(prepared.tmp, { recursive: true, force: true });
}

/** The signature is written last, so its presence means the directory is whole. */
function isComplete(dir: string): boolean {
  return existsSync(join(dir, 'repodata', 'repomd.xml.asc'));
}

export async function publicationDir(
  ctx: RepoServiceOptions,
  publicationId: number,
): Promise<string | undefined> {
  const row = await ctx.store.db
    .selectFrom('repo_publications')
    .select('sources_key')
    .where('id', '=', publicationId)
    .executeTakeFirst();
  return row ? publicationPathIn(ctx.stateDir, row.sources_key) : undefined;
}
