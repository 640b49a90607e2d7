// Where each release is deployed (per customer and environment: the distributions that serve its
// snapshot now) and each customer's decision on it, for `aare release list`.
import { acceptanceOf } from './release-acceptance.js';
import type { Decision } from './release-acceptance.js';
import type { RolloutContext } from './release-diff.js';
import { listReleases } from './release-freeze.js';
import type { ReleaseInfo } from './release-freeze.js';

export interface ReleaseStatus extends ReleaseInfo {
  /** The distributions serving the release's snapshot now. */
  deployed: { customer: string; environment: string }[];
  /** Each customer's latest decision; `current` is false when the diff changed since. */
  decisions: { customer: string; decision: Decision; current: boolean }[];
}

/** Releases oldest first, with where they are deployed and who accepted them. */
export async function releaseStatus(ctx: RolloutContext): Promise<ReleaseStatus[]> {
  const releases = await listReleases(ctx.store);
  const dists = await ctx.repoService.distributions();
  const decided = await ctx.store.db
    .selectFrom('release_decisions')
    .select(['release', 'customer'])
    .distinct()
    .orderBy('customer')
    .execute();
  const out: ReleaseStatus[] = [];
  for (const r of releases) {
    const decisions: ReleaseStatus['decisions'] = [];
    for (const d of decided.filter((x) => x.release === r.name)) {
      const acc = await acceptanceOf(ctx, r.name, d.customer);
      if (acc) decisions.push({ customer: d.customer, decision: acc.decision, current: acc.current });
    }
    out.push({
      ...r,
      deployed: dists
        .filter((d) => d.snapshot === r.snapshot)
        .map((d) => ({ customer: d.customer, environment: d.environment })),
      decisions,
    });
  }
  return out;
}
