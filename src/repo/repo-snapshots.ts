// Snapshots: a named, immutable set of repository versions (the monthly freeze), which
// distributions can point at instead of the latest versions.
import { error } from '../diag/index.js';
import type { Result } from '../diag/index.js';
import { nowIso } from '../store/index.js';
import { NAME, notFound } from './repo-context.js';
import type { RepoServiceOptions } from './repo-context.js';
import { latestVersion } from './repo-queries.js';
import { repoTransaction } from './repo-transaction.js';

export interface SnapshotInfo {
  name: string;
  createdAt: string;
  /** repository name -> version number */
  versions: Record<string, number>;
}

/** Freezes the latest version of each named repository (all when none are named). */
export async function snapshot(
  ctx: RepoServiceOptions,
  name: string,
  repositories?: string[],
): Promise<Result<{ name: string; versions: Record<string, number> } | undefined>> {
  if (!NAME.test(name)) {
    return {
      value: undefined,
      diagnostics: [error('USAGE', `snapshot name '${name}' must match ${NAME.source}`, { field: 'name' })],
    };
  }
  const all = await ctx.store.db.selectFrom('repo_repositories').selectAll().orderBy('name').execute();
  const wanted = repositories?.length ? repositories : all.map((r) => r.name);
  const missing = wanted.filter((w) => !all.some((r) => r.name === w));
  if (missing.length)
    return { value: undefined, diagnostics: missing.map((m) => notFound(`no repository named '${m}'`)) };
  const chosen = all.filter((r) => wanted.includes(r.name));
  const versions: Record<string, number> = {};
  const made = await repoTransaction(ctx.store, async (trx) => {
    const exists = await trx
      .selectFrom('repo_snapshots')
      .select('id')
      .where('name', '=', name)
      .executeTakeFirst();
    if (exists) return false;
    const snap = await trx
      .insertInto('repo_snapshots')
      .values({ name, created_at: nowIso() })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const r of chosen) {
      const v = await latestVersion(trx, r.id);
      versions[r.name] = v.number;
      await trx
        .insertInto('repo_snapshot_versions')
        .values({ snapshot_id: snap.id, version_id: v.id })
        .execute();
    }
    return true;
  });
  if (!made) {
    return {
      value: undefined,
      diagnostics: [
        error('CONFLICT', `a snapshot named '${name}' already exists; snapshots are immutable`, {
          field: 'name',
        }),
      ],
    };
  }
  return { value: { name, versions }, diagnostics: [] };
}

export async function snapshots(ctx: RepoServiceOptions): Promise<SnapshotInfo[]> {
  const db = ctx.store.db;
  const snaps = await db.selectFrom('repo_snapshots').selectAll().orderBy('name').execute();
  const rows = await db
    .selectFrom('repo_snapshot_versions as sv')
    .innerJoin('repo_versions as v', 'v.id', 'sv.version_id')
    .innerJoin('repo_repositories as r', 'r.id', 'v.repository_id')
    .select(['sv.snapshot_id', 'r.name', 'v.number'])
    .orderBy('r.name')
    .execute();
  return snaps.map((s) => ({
    name: s.name,
    createdAt: s.created_at,
    versions: Object.fromEntries(rows.filter((r) => r.snapshot_id === s.id).map((r) => [r.name, r.number])),
  }));
}
