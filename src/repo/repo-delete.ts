// Deleting a repository or a distribution: refused while something still needs it, so that a
// snapshot can always be distributed again and a release can always be served. Rows go here;
// the files they freed go with the next prune (repo-prune.ts), which finds every file no row
// names.
import { error } from '../diag/index.js';
import type { Diagnostic, Result } from '../diag/index.js';
import { notFound } from './repo-context.js';
import type { RepoServiceOptions } from './repo-context.js';
import { findRepository } from './repo-queries.js';
import { repoTransaction } from './repo-transaction.js';

const inUse = (summary: string, field: string): Diagnostic => error('CONFLICT', summary, { field });

/**
 * Deletes a repository with all its versions. Refused (CONFLICT, nothing changed) while a
 * snapshot holds one of its versions or a distribution serves one; publications nobody serves
 * that hold its versions go with it.
 */
export async function deleteRepository(ctx: RepoServiceOptions, name: string): Promise<Result<void>> {
  const problems = await repoTransaction(ctx.store, async (trx): Promise<Diagnostic[]> => {
    const repo = await findRepository(trx, name);
    if (!repo) return [notFound(`no repository named '${name}'`, 'repository')];
    const snapshots = await trx
      .selectFrom('repo_snapshot_versions as s')
      .innerJoin('repo_snapshots as n', 'n.id', 's.snapshot_id')
      .innerJoin('repo_versions as v', 'v.id', 's.version_id')
      .select('n.name')
      .distinct()
      .where('v.repository_id', '=', repo.id)
      .orderBy('n.name')
      .execute();
    const dists = await trx
      .selectFrom('repo_distributions as d')
      .innerJoin('repo_publication_sources as p', 'p.publication_id', 'd.publication_id')
      .innerJoin('repo_versions as v', 'v.id', 'p.version_id')
      .select('d.base_path')
      .distinct()
      .where('v.repository_id', '=', repo.id)
      .orderBy('d.base_path')
      .execute();
    const refused: Diagnostic[] = [];
    if (snapshots.length)
      refused.push(
        inUse(
          `repository '${name}' is held by snapshot(s) ${snapshots.map((s) => s.name).join(', ')}`,
          'repository',
        ),
      );
    if (dists.length)
      refused.push(
        inUse(
          `repository '${name}' is served by distribution(s) ${dists.map((d) => d.base_path).join(', ')} (aare repo undistribute first)`,
          'repository',
        ),
      );
    if (refused.length) return refused;
    const versionIds = (
      await trx.selectFrom('repo_versions').select('id').where('repository_id', '=', repo.id).execute()
    ).map((v) => v.id);
    if (versionIds.length) {
      const pubs = (
        await trx
          .selectFrom('repo_publication_sources')
          .select('publication_id')
          .distinct()
          .where('version_id', 'in', versionIds)
          .execute()
      ).map((p) => p.publication_id);
      if (pubs.length) {
        await trx.deleteFrom('repo_publication_sources').where('publication_id', 'in', pubs).execute();
        await trx.deleteFrom('repo_publications').where('id', 'in', pubs).execute();
      }
      await trx.deleteFrom('repo_version_content').where('version_id', 'in', versionIds).execute();
      await trx.deleteFrom('repo_versions').where('id', 'in', versionIds).execute();
    }
    await trx.deleteFrom('repo_repositories').where('id', '=', repo.id).execute();
    // a mirror's repository goes with its remote: a sync would have nothing to make versions of
    await trx.deleteFrom('repo_remotes').where('name', '=', name).execute();
    return [];
  });
  return { value: undefined, diagnostics: problems };
}

/**
 * Removes the distribution `customer/environment` (dnf there gets 404 from then on). Refused
 * while it serves the snapshot of a release: that is what the customer accepted and runs.
 */
export async function undistribute(
  ctx: RepoServiceOptions,
  customer: string,
  environment: string,
): Promise<Result<void>> {
  const basePath = `${customer}/${environment}`;
  const problems = await repoTransaction(ctx.store, async (trx): Promise<Diagnostic[]> => {
    const dist = await trx
      .selectFrom('repo_distributions')
      .selectAll()
      .where('base_path', '=', basePath)
      .executeTakeFirst();
    if (!dist) return [notFound(`no distribution '${basePath}'`, 'environment')];
    if (dist.snapshot !== null) {
      const release = await trx
        .selectFrom('releases')
        .select('name')
        .where('snapshot', '=', dist.snapshot)
        .orderBy('name')
        .executeTakeFirst();
      if (release)
        return [
          inUse(
            `distribution '${basePath}' serves snapshot '${dist.snapshot}' of release '${release.name}'`,
            'environment',
          ),
        ];
    }
    await trx.deleteFrom('repo_distributions').where('base_path', '=', basePath).execute();
    return [];
  });
  return { value: undefined, diagnostics: problems };
}
