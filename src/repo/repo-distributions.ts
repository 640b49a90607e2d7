// Distributions: stable paths (`customer/environment`) that dnf installs from, each one row that
// points at one publication and moves in one update.
import { error } from '../diag/index.js';
import type { Result } from '../diag/index.js';
import { nowIso } from '../store/index.js';
import { NAME, notFound, publicationPathIn } from './repo-context.js';
import type { RepoServiceOptions } from './repo-context.js';
import { commitPublication, discard, preparePublication } from './repo-publications.js';
import { latestVersion } from './repo-queries.js';
import { repoTransaction, withRetries } from './repo-transaction.js';
import type { StoreTransaction } from './repo-transaction.js';
import type { Store } from '../store/index.js';

export interface DistributionInfo {
  basePath: string;
  customer: string;
  environment: string;
  publicationId: number;
  snapshot: string | null;
  updatedAt: string;
  /** repository name -> version number the publication holds */
  versions: Record<string, number>;
  packages: string[];
  /** Where clients fetch it, when the back end serves it elsewhere (Pulp's content app). */
  url?: string;
}

/**
 * Publishes what `customer` should see (the latest versions of its and the shared repositories,
 * or those of a snapshot) and points `customer/environment` at it. The publication and the
 * distribution's row are committed together, so a prune in between cannot take the publication
 * away; when a source version was pruned meanwhile (a newer one had arrived), it starts over
 * (see withRetries).
 */
export async function distribute(
  ctx: RepoServiceOptions,
  customer: string,
  environment: string,
  opts: { snapshot?: string } = {},
): Promise<Result<DistributionInfo | undefined>> {
  if (!NAME.test(customer) || !NAME.test(environment)) {
    return {
      value: undefined,
      diagnostics: [
        error('USAGE', `customer and environment must match ${NAME.source}`, { field: 'customer' }),
      ],
    };
  }
  const basePath = `${customer}/${environment}`;
  const snapshot = opts.snapshot ?? null;
  const moved = await withRetries(ctx.store, async (db, trx) => {
    const sources = await sourcesFor(db, customer, opts.snapshot);
    if (sources.diagnostics.length) return { value: undefined, diagnostics: sources.diagnostics };
    const prepared = await preparePublication(
      ctx,
      db,
      sources.value.map((s) => s.id),
    );
    if (!prepared.value) return { value: undefined, diagnostics: prepared.diagnostics };
    const point = async (t: StoreTransaction) => {
      const pub = await commitPublication(ctx, t, prepared.value!);
      if (typeof pub !== 'number') return false;
      const at = nowIso();
      await t
        .insertInto('repo_distributions')
        .values({ base_path: basePath, customer, environment, publication_id: pub, snapshot, updated_at: at })
        .onConflict((oc) =>
          oc.column('base_path').doUpdateSet({ publication_id: pub, snapshot, updated_at: at }),
        )
        .execute();
      return true;
    };
    try {
      const done = trx ? await point(trx) : await repoTransaction(ctx.store, point);
      return done ? { value: true, diagnostics: [] } : 'again';
    } finally {
      await discard(prepared.value);
    }
  });
  if (!moved.value) return { value: undefined, diagnostics: moved.diagnostics };
  const info = (await distributions(ctx)).find((d) => d.basePath === basePath);
  return { value: info, diagnostics: [] };
}

/** Points the distribution at an existing publication: one row update (what bench times). */
export async function moveDistribution(
  ctx: RepoServiceOptions,
  basePath: string,
  publicationId: number,
): Promise<Result<void>> {
  const problem = await repoTransaction(ctx.store, async (trx) => {
    const pub = await trx
      .selectFrom('repo_publications')
      .select('id')
      .where('id', '=', publicationId)
      .executeTakeFirst();
    if (!pub) return notFound(`no publication ${publicationId}`);
    const r = await trx
      .updateTable('repo_distributions')
      .set({ publication_id: publicationId, updated_at: nowIso() })
      .where('base_path', '=', basePath)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) ? undefined : notFound(`no distribution '${basePath}'`);
  });
  return { value: undefined, diagnostics: problem ? [problem] : [] };
}

export async function distributions(ctx: RepoServiceOptions): Promise<DistributionInfo[]> {
  const db = ctx.store.db;
  const rows = await db.selectFrom('repo_distributions').selectAll().orderBy('base_path').execute();
  // two queries for all distributions, not two per distribution
  const sources = await db
    .selectFrom('repo_publication_sources as s')
    .innerJoin('repo_versions as v', 'v.id', 's.version_id')
    .innerJoin('repo_repositories as r', 'r.id', 'v.repository_id')
    .select(['s.publication_id', 'r.name', 'v.number'])
    .orderBy('r.name')
    .execute();
  const names = await db
    .selectFrom('repo_publication_sources as s')
    .innerJoin('repo_version_content as c', 'c.version_id', 's.version_id')
    .innerJoin('repo_artifacts as a', 'a.sha256', 'c.sha256')
    .select(['s.publication_id', 'a.name'])
    .distinct()
    .orderBy('a.name')
    .execute();
  return rows.map((d) => ({
    basePath: d.base_path,
    customer: d.customer,
    environment: d.environment,
    publicationId: d.publication_id,
    snapshot: d.snapshot,
    updatedAt: d.updated_at,
    versions: Object.fromEntries(
      sources.filter((x) => x.publication_id === d.publication_id).map((x) => [x.name, x.number]),
    ),
    packages: names.filter((n) => n.publication_id === d.publication_id).map((n) => n.name),
  }));
}

/** The publication directory a distribution serves now (one indexed query; for serving). */
export async function resolveDistribution(
  ctx: RepoServiceOptions,
  basePath: string,
): Promise<{ publicationId: number; dir: string } | undefined> {
  const row = await ctx.store.db
    .selectFrom('repo_distributions as d')
    .innerJoin('repo_publications as p', 'p.id', 'd.publication_id')
    .select(['p.id', 'p.sources_key'])
    .where('d.base_path', '=', basePath)
    .executeTakeFirst();
  return row ? { publicationId: row.id, dir: publicationPathIn(ctx.stateDir, row.sources_key) } : undefined;
}

/** The versions a distribution of `customer` holds: the customer's and the shared repositories'. */
async function sourcesFor(
  db: Store['db'],
  customer: string,
  snapshot?: string,
): Promise<Result<{ id: number; repository: string; number: number }[]>> {
  const repos = await db
    .selectFrom('repo_repositories')
    .selectAll()
    .where((eb) => eb.or([eb('customer', '=', customer), eb('customer', '=', '')]))
    .orderBy('name')
    .execute();
  if (!repos.some((r) => r.customer === customer)) {
    return {
      value: [],
      diagnostics: [
        notFound(
          `customer '${customer}' has no repository yet (build or upload a package first)`,
          'customer',
        ),
      ],
    };
  }
  if (snapshot === undefined) {
    const out = [];
    for (const r of repos) {
      const v = await latestVersion(db, r.id);
      out.push({ id: v.id, repository: r.name, number: v.number });
    }
    return { value: out, diagnostics: [] };
  }
  const snap = await db
    .selectFrom('repo_snapshots')
    .selectAll()
    .where('name', '=', snapshot)
    .executeTakeFirst();
  if (!snap) return { value: [], diagnostics: [notFound(`no snapshot named '${snapshot}'`, 'snapshot')] };
  const rows = await db
    .selectFrom('repo_snapshot_versions as s')
    .innerJoin('repo_versions as v', 'v.id', 's.version_id')
    .innerJoin('repo_repositories as r', 'r.id', 'v.repository_id')
    .select(['v.id', 'r.name as repository', 'v.number', 'r.customer'])
    .where('s.snapshot_id', '=', snap.id)
    .where((eb) => eb.or([eb('r.customer', '=', customer), eb('r.customer', '=', '')]))
    .orderBy('r.name')
    .execute();
  if (!rows.some((r) => r.customer === customer)) {
    return {
      value: [],
      diagnostics: [
        notFound(`snapshot '${snapshot}' holds no repository of customer '${customer}'`, 'snapshot'),
      ],
    };
  }
  return { value: rows.map(({ id, repository, number }) => ({ id, repository, number })), diagnostics: [] };
}
