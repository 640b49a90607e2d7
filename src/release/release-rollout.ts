// Rollout of a release (docs/maintenance.md): `deploy` moves customers' test distributions to the
// release's snapshot; `promote` moves their production distributions, only inside the
// environment's production window, at least the minimum gap after the release reached the
// customer's test, and (when the policy requires it) with the customer's acceptance of the
// current diff. An emergency overrides the window and the gap, never the acceptance or test.
// A rollout is planned first (what moves, what is refused and why), then executed. Each step also
// applies the release's control-repository commit to its environment's infrastructure: the
// caller plans and applies (it holds the control repository at that commit and the engine).
import { Temporal } from 'temporal-polyfill';
import { error, hasErrors } from '../diag/index.js';
import type { Diagnostic, Result } from '../diag/index.js';
import { hasChanges } from '../engine/index.js';
import type { Plan } from '../engine/index.js';
import type { Maintenance } from '../model/index.js';
import { appendAudit } from './audit-log.js';
import { iso } from './maintenance-calendar.js';
import { productionOpenFrom, productionWindowAt } from './production-gate.js';
import { acceptanceOf, scopeOf } from './release-acceptance.js';
import { productionEnvironments, releaseDiff, releaseNamed } from './release-diff.js';
import type { RolloutContext } from './release-diff.js';
import type { ReleaseInfo } from './release-freeze.js';

export interface RolloutRequest {
  release: string;
  env: 'test' | 'production';
  /** Only this customer; else every customer of the control repository the release has a repository of. */
  customer?: string;
  emergency?: { reason: string };
  maintenance: Maintenance;
}

export interface RolloutStep {
  customer: string;
  environment: string;
  /** The snapshot the distribution serves now (null: the latest versions; absent: no distribution). */
  from?: string | null;
  to: string;
  /** `move`: the distribution moves or the infrastructure changes (or both). */
  status: 'move' | 'unchanged' | 'refused';
  /** The distribution already serves the release's snapshot. */
  distributed: boolean;
  /** The infrastructure plan at the release's commit for this environment (absent: not planned). */
  plan?: Plan;
  /** Why it is refused. */
  diagnostics: Diagnostic[];
  /** When a refused promotion would be allowed, when only the window or the gap stand in the way. */
  allowedAt?: string;
  /** What an emergency let through: `window`, `gap`. */
  overridden?: string[];
  /** For production: the digest of the diff the customer accepted. */
  digest?: string;
}

/**
 * How a rollout reaches the infrastructure: plan the release's commit for one customer environment,
 * and plan-and-apply it (again, right before applying, so that a step applied before it in the
 * same rollout does not leave it stale).
 */
export interface InfrastructureRollout {
  plan(customer: string, environment: string): Promise<Plan>;
  apply(
    customer: string,
    environment: string,
  ): Promise<{ ok: boolean; changes: number; diagnostics: Diagnostic[] }>;
}

export interface RolloutPlan {
  request: RolloutRequest;
  release: ReleaseInfo;
  steps: RolloutStep[];
}

/** What a deploy or promote would do, without changing anything. */
export async function planRollout(
  ctx: RolloutContext,
  req: RolloutRequest,
  infrastructure?: InfrastructureRollout,
): Promise<Result<RolloutPlan | undefined>> {
  const release = await releaseNamed(ctx.store, req.release);
  if (!release.value) return { value: undefined, diagnostics: release.diagnostics };
  const snapshot = (await ctx.repoService.snapshots()).find((s) => s.name === release.value!.snapshot);
  const owners = new Map((await ctx.repoService.listRepositories()).map((r) => [r.name, r.customer]));
  const inRelease = new Set(Object.keys(snapshot?.versions ?? {}).map((r) => owners.get(r)));
  let customers: string[];
  if (req.customer !== undefined) {
    const envs = productionEnvironments(ctx.controlRepo, req.customer);
    if (hasErrors(envs.diagnostics)) return { value: undefined, diagnostics: envs.diagnostics };
    if (!inRelease.has(req.customer))
      return {
        value: undefined,
        diagnostics: [
          error('NOT_FOUND', `release ${req.release} holds no repository of customer '${req.customer}'`, {
            field: '--customer',
          }),
        ],
      };
    customers = [req.customer];
  } else {
    customers = [...ctx.controlRepo.customers.keys()].filter((c) => inRelease.has(c)).sort();
  }
  const dists = new Map((await ctx.repoService.distributions()).map((d) => [d.basePath, d]));
  const steps: RolloutStep[] = [];
  for (const customer of customers) {
    const known = ctx.controlRepo.customers.get(customer)!;
    const envs =
      req.env === 'test'
        ? known.environments.has('test')
          ? ['test']
          : []
        : productionEnvironments(ctx.controlRepo, customer).value;
    for (const environment of envs) {
      const dist = dists.get(`${customer}/${environment}`);
      const distributed = dist?.snapshot === release.value.snapshot;
      const plan = infrastructure ? await infrastructure.plan(customer, environment) : undefined;
      const step: RolloutStep = {
        customer,
        environment,
        ...(dist ? { from: dist.snapshot } : {}),
        to: release.value.snapshot,
        status: distributed && !(plan && hasChanges(plan)) ? 'unchanged' : 'move',
        distributed,
        ...(plan ? { plan } : {}),
        diagnostics: [],
      };
      if (req.env === 'production' && step.status === 'move') await checkPromotion(ctx, req, step);
      steps.push(step);
    }
  }
  return { value: { request: req, release: release.value, steps }, diagnostics: [] };
}

/** Refuses the step (with the reasons and, where only time stands in the way, when it would be allowed). */
async function checkPromotion(ctx: RolloutContext, req: RolloutRequest, step: RolloutStep): Promise<void> {
  const m = req.maintenance;
  const { customer, environment } = step;
  const now = Temporal.Instant.fromEpochMilliseconds(ctx.now.getTime());
  const where = `${customer}/${environment}`;
  const hard: Diagnostic[] = [];
  const soft: { what: string; d: Diagnostic }[] = [];
  const onTest = await ctx.store.db
    .selectFrom('release_deployments')
    .select('deployed_at')
    .where('release', '=', req.release)
    .where('customer', '=', customer)
    .where('environment', '=', 'test')
    .executeTakeFirst();
  if (!onTest)
    hard.push(
      error(
        'OUTSIDE_WINDOW',
        `release ${req.release} has not been on ${customer}'s test: deploy it to test first`,
        {
          address: where,
        },
      ),
    );
  if (m.production.requiresAcceptance) {
    const diff = await releaseDiff(ctx, req.release, customer);
    const acc = diff.value ? await acceptanceOf(ctx, req.release, customer, diff.value) : undefined;
    step.digest = diff.value?.digest;
    const refuse = (why: string) =>
      hard.push(error('RELEASE_NOT_ACCEPTED', `${customer} ${why}`, { address: where }));
    if (!acc) refuse(`has not accepted release ${req.release} (aare release accept)`);
    else if (acc.decision === 'rejected')
      refuse(`rejected release ${req.release}${acc.comment ? ` (${acc.comment})` : ''}`);
    else if (!acc.current)
      refuse(
        `accepted release ${req.release}, but its diff has changed since: the acceptance no longer counts`,
      );
  }
  let earliest = now;
  if (onTest) {
    const gapEnd = Temporal.Instant.from(onTest.deployed_at)
      .toZonedDateTimeISO(m.timezone)
      .add(Temporal.Duration.from(m.production.minimumGapAfterTest));
    if (Temporal.Instant.compare(now, gapEnd.toInstant()) < 0) {
      earliest = gapEnd.toInstant();
      soft.push({
        what: 'gap',
        d: error(
          'OUTSIDE_WINDOW',
          `release ${req.release} reached ${customer}'s test at ${iso(Temporal.Instant.from(onTest.deployed_at).toZonedDateTimeISO(m.timezone))}: production not before ${iso(gapEnd)} (minimum gap ${m.production.minimumGapAfterTest})`,
          { address: where },
        ),
      });
    }
  }
  const own = ctx.controlRepo.customers.get(customer)?.environments.get(environment)?.productionWindow;
  const w = productionWindowAt(m, own, now);
  if (!w.open)
    soft.push({
      what: 'window',
      d: error(
        'OUTSIDE_WINDOW',
        `${where} is outside its production window: the next one is ${iso(w.next!.start)} to ${iso(w.next!.end)}`,
        { address: where },
      ),
    });
  if (soft.length > 0) step.allowedAt = iso(productionOpenFrom(m, own, earliest));
  if (req.emergency && soft.length > 0) {
    step.overridden = soft.map((s) => s.what);
    delete step.allowedAt;
    soft.length = 0;
  }
  step.diagnostics = [...hard, ...soft.map((s) => s.d)];
  if (step.diagnostics.length > 0) {
    step.status = 'refused';
    if (hard.length > 0) delete step.allowedAt;
  }
}

/**
 * Moves the distributions the plan moves, applies the release's commit to each environment that
 * moves, and records each step and each refusal in the audit log. The deployment row is written
 * before the move and the audit entry after the apply, so a rollout killed in between and run
 * again finds the distribution moved, the acceptance's record and the rest of the apply, completes
 * them and records the step once.
 */
export async function executeRollout(
  ctx: RolloutContext,
  plan: RolloutPlan,
  infrastructure?: InfrastructureRollout,
): Promise<Result<RolloutStep[]>> {
  const action = plan.request.env === 'test' ? 'release.deploy' : 'release.promote';
  const diagnostics: Diagnostic[] = [];
  for (const step of plan.steps) {
    const base = {
      actor: ctx.actor,
      at: ctx.now,
      action,
      scope: scopeOf(ctx, step.customer),
      customer: step.customer,
    };
    const detail = { release: plan.release.name, environment: step.environment, snapshot: step.to };
    if (step.status === 'refused') {
      await appendAudit(ctx.store, {
        ...base,
        detail: {
          ...detail,
          errors: step.diagnostics.map((d) => d.code),
          reasons: step.diagnostics.map((d) => d.summary),
          ...(step.allowedAt ? { allowedAt: step.allowedAt } : {}),
        },
        result: 'refused',
      });
      continue;
    }
    if (step.status === 'unchanged') continue;
    const existed = await ctx.store.db
      .selectFrom('release_deployments')
      .select('release')
      .where('release', '=', plan.release.name)
      .where('customer', '=', step.customer)
      .where('environment', '=', step.environment)
      .executeTakeFirst();
    if (!existed)
      await ctx.store.db
        .insertInto('release_deployments')
        .values({
          release: plan.release.name,
          customer: step.customer,
          environment: step.environment,
          deployed_at: ctx.now.toISOString(),
          deployed_by: ctx.actor,
          digest: step.digest ?? null,
        })
        .onConflict((oc) => oc.columns(['release', 'customer', 'environment']).doNothing())
        .execute();
    const moved = step.distributed
      ? { value: true, diagnostics: [] }
      : await ctx.repoService.distribute(step.customer, step.environment, { snapshot: step.to });
    if (!moved.value) {
      diagnostics.push(...moved.diagnostics);
      if (!existed)
        await ctx.store.db
          .deleteFrom('release_deployments')
          .where('release', '=', plan.release.name)
          .where('customer', '=', step.customer)
          .where('environment', '=', step.environment)
          .execute();
      await appendAudit(ctx.store, {
        ...base,
        detail: { ...detail, errors: moved.diagnostics.map((d) => d.code) },
        result: 'failed',
      });
      continue;
    }
    let changes = 0;
    if (infrastructure) {
      const applied = await infrastructure.apply(step.customer, step.environment);
      changes = applied.changes;
      if (!applied.ok || hasErrors(applied.diagnostics)) {
        diagnostics.push(...applied.diagnostics);
        await appendAudit(ctx.store, {
          ...base,
          detail: { ...detail, changes, errors: applied.diagnostics.map((d) => d.code) },
          result: 'failed',
        });
        continue;
      }
    }
    await appendAudit(ctx.store, {
      ...base,
      detail: {
        ...detail,
        commit: plan.release.commit,
        from: step.from ?? null,
        ...(infrastructure ? { changes } : {}),
        ...(plan.request.emergency && step.overridden
          ? { emergency: { reason: plan.request.emergency.reason, overridden: step.overridden } }
          : {}),
        ...(step.digest ? { digest: step.digest } : {}),
      },
      result: 'ok',
    });
  }
  return { value: plan.steps, diagnostics };
}
