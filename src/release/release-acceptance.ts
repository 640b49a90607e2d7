// A customer accepts or rejects a release after testing it (docs/maintenance.md). The decision is
// bound to the digest of the release's diff for that customer at the time: the latest decision
// counts only while the diff is the same, or when the release went to production with it.
import type { Result } from '../diag/index.js';
import { appendAudit } from './audit-log.js';
import { releaseDiff } from './release-diff.js';
import type { ReleaseDiff, RolloutContext } from './release-diff.js';

export type Decision = 'accepted' | 'rejected';

export interface DecisionInfo {
  release: string;
  customer: string;
  decision: Decision;
  digest: string;
  comment?: string;
  decidedBy: string;
  decidedAt: string;
}

/** Records the customer's decision on the release's current diff, and audits it. */
export async function decideRelease(
  ctx: RolloutContext,
  release: string,
  customer: string,
  decision: Decision,
  comment?: string,
): Promise<Result<DecisionInfo | undefined>> {
  const diff = await releaseDiff(ctx, release, customer);
  if (!diff.value) return { value: undefined, diagnostics: diff.diagnostics };
  const info: DecisionInfo = {
    release,
    customer,
    decision,
    digest: diff.value.digest,
    ...(comment !== undefined ? { comment } : {}),
    decidedBy: ctx.actor,
    decidedAt: ctx.now.toISOString(),
  };
  await ctx.store.db
    .insertInto('release_decisions')
    .values({
      release,
      customer,
      decision,
      digest: info.digest,
      comment: comment ?? null,
      decided_by: info.decidedBy,
      decided_at: info.decidedAt,
    })
    .execute();
  await appendAudit(ctx.store, {
    actor: ctx.actor,
    at: ctx.now,
    action: decision === 'accepted' ? 'release.accept' : 'release.reject',
    scope: scopeOf(ctx, customer),
    customer,
    detail: { release, digest: info.digest, ...(comment !== undefined ? { comment } : {}) },
    result: 'ok',
  });
  return { value: info, diagnostics: [] };
}

/** The customer's latest decision on the release, and whether it still counts. */
export interface Acceptance extends DecisionInfo {
  current: boolean;
}

export async function acceptanceOf(
  ctx: RolloutContext,
  release: string,
  customer: string,
  diff?: ReleaseDiff,
): Promise<Acceptance | undefined> {
  const row = await ctx.store.db
    .selectFrom('release_decisions')
    .selectAll()
    .where('release', '=', release)
    .where('customer', '=', customer)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  const digest = diff?.digest ?? (await releaseDiff(ctx, release, customer)).value?.digest;
  const promotedWith = await ctx.store.db
    .selectFrom('release_deployments')
    .select('digest')
    .where('release', '=', release)
    .where('customer', '=', customer)
    .where('digest', '=', row.digest)
    .executeTakeFirst();
  return {
    release,
    customer,
    decision: row.decision,
    digest: row.digest,
    ...(row.comment !== null ? { comment: row.comment } : {}),
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    current: row.digest === digest || promotedWith !== undefined,
  };
}

/** `reseller/customer` for the audit log. */
export function scopeOf(ctx: RolloutContext, customer: string): string {
  const c = ctx.controlRepo.customers.get(customer);
  return c ? `${c.reseller}/${customer}` : customer;
}
