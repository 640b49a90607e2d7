// Releases, their per-customer diff and the customer's decision, the maintenance calendar and the
// audit log (docs/api.md, docs/maintenance.md). A release is the provider's, for every customer:
// whoever may read anything sees it, but only the deployments and decisions of its own customers.
import { z } from 'zod';
import { scopePath } from '../../access/index.js';
import type { ScopePath } from '../../access/index.js';
import type { AppContext } from '../../app/index.js';
import { DiagnosticsError, error, hasErrors } from '../../diag/index.js';
import type { Diagnostic, Result } from '../../diag/index.js';
import {
  acceptanceOf,
  appendAudit,
  calendarRange,
  controlRepoHistory,
  customerWindows,
  decideRelease,
  listAudit,
  maintenanceCalendar,
  releaseDiff,
  releaseStatus,
} from '../../release/index.js';
import type { AuditEntry, ControlRepoHistory, RolloutContext } from '../../release/index.js';
import { listRoute, oneRoute, SHARED } from './api-route.js';
import type { ApiEnv } from './api-route.js';
import {
  auditEntrySchema,
  decisionSchema,
  nameParam,
  releaseDiffSchema,
  releaseSchema,
  windowEntrySchema,
} from './api-schemas.js';
import { customerScope, customerTarget } from './tenant-routes.js';

// one history per app context: each control repository tree at a release's commit is read once
const histories = new WeakMap<AppContext, ControlRepoHistory>();

/** What the release module works with, as the caller, at the request's instant. */
async function rolloutContext(env: ApiEnv): Promise<RolloutContext> {
  const app = env.app;
  let history = histories.get(app);
  if (!history) {
    history = controlRepoHistory(app.config.controlRepoDir, async (commit) => {
      const at = await app.atCommit(commit);
      return { controlRepo: at.controlRepo(), hiera: at.hiera() };
    });
    histories.set(app, history);
  }
  return {
    store: await app.store(),
    repoService: await app.repoService(),
    controlRepo: app.controlRepo(),
    history,
    now: env.now,
    actor: env.caller.actor,
  };
}

function check<T>(r: Result<T | undefined>): T {
  if (r.value === undefined || hasErrors(r.diagnostics))
    throw new DiagnosticsError(r.diagnostics.filter((d) => d.severity === 'error'));
  return r.value;
}

/** The tree node of an audit entry (`reseller/customer`, `reseller`, '' for the provider). */
export function auditNode(e: Pick<AuditEntry, 'scope' | 'customer'>): ScopePath {
  const parts = e.scope.split('/');
  if (parts.length === 2 && parts[0] && parts[1] === e.customer) return scopePath(parts[0], parts[1]);
  if (parts.length === 1 && parts[0] && e.customer === undefined) return scopePath(parts[0]);
  // provider-wide, or a scope Aare does not write: only the provider's staff see it
  return '/';
}

const releaseParams = z.object({ release: z.string().min(1).max(64) });
const diffParams = z.object({ release: z.string().min(1).max(64), customer: nameParam });

export const releaseRoutes = [
  listRoute({
    id: 'listReleases',
    method: 'GET',
    path: '/releases',
    summary: "The releases, with the caller's customers' deployments and decisions",
    tag: 'releases',
    access: { kind: 'node', action: 'read', target: () => ({ anywhere: true }) },
    item: releaseSchema,
    scopeOf: () => SHARED,
    key: (r) => r.name,
    handle: async (_input, env) => releasesFor(env),
  }),
  oneRoute({
    id: 'getRelease',
    method: 'GET',
    path: '/releases/{release}',
    summary: "One release, with the caller's customers' deployments and decisions",
    tag: 'releases',
    params: releaseParams,
    access: { kind: 'node', action: 'read', target: () => ({ anywhere: true }) },
    response: releaseSchema,
    handle: async ({ params }, env) => {
      const found = (await releasesFor(env)).find((r) => r.name === params.release);
      if (!found) throw new DiagnosticsError([error('NOT_FOUND', 'no such release')]);
      return found;
    },
  }),
  oneRoute({
    id: 'getReleaseDiff',
    method: 'GET',
    path: '/releases/{release}/customers/{customer}/diff',
    summary:
      "What the release changes against the customer's production: packages, parameters per VM, the digest an acceptance is bound to",
    tag: 'releases',
    params: diffParams,
    access: {
      kind: 'node',
      action: 'read',
      target: ({ params }, app) => customerTarget(app, params.customer),
    },
    response: releaseDiffSchema,
    handle: async ({ params }, env) => {
      const ctx = await rolloutContext(env);
      const diff = check(await releaseDiff(ctx, params.release, params.customer));
      const acc = await acceptanceOf(ctx, params.release, params.customer, diff);
      return {
        ...diff,
        ...(acc
          ? {
              acceptance: {
                decision: acc.decision,
                current: acc.current,
                decidedBy: acc.decidedBy,
                decidedAt: acc.decidedAt,
                ...(acc.comment !== undefined ? { comment: acc.comment } : {}),
              },
            }
          : {}),
      };
    },
  }),
  oneRoute({
    id: 'decideRelease',
    method: 'POST',
    path: '/releases/{release}/customers/{customer}/decision',
    summary:
      "Accept or reject the release for the customer, bound to its current diff; provider staff only on the customer's behalf, with a reason",
    tag: 'releases',
    params: diffParams,
    body: z.strictObject({
      decision: z.enum(['accepted', 'rejected']),
      comment: z.string().min(1).max(2000).optional(),
      onBehalf: z
        .strictObject({ reason: z.string().min(1).max(2000) })
        .optional()
        .describe('provider staff deciding for the customer: why (in the audit log)'),
    }),
    access: {
      kind: 'node',
      action: ['release.decide', 'release.decide-on-behalf'],
      target: ({ params }, app) => customerTarget(app, params.customer),
    },
    response: decisionSchema,
    status: 201,
    handle: async ({ params, body }, env) => {
      const node = scopePath(env.app.controlRepo().customers.get(params.customer)!.reseller, params.customer);
      const direct = env.allows('release.decide', node);
      if (direct && body.onBehalf)
        throw usage('body.onBehalf', 'you decide for this customer yourself: leave out onBehalf');
      if (!direct && !body.onBehalf)
        throw usage(
          'body.onBehalf',
          'deciding for the customer as provider staff needs onBehalf: { reason } (it is audited)',
        );
      const ctx = await rolloutContext(env);
      const info = check(
        await decideRelease(ctx, params.release, params.customer, body.decision, body.comment),
      );
      if (body.onBehalf)
        await appendAudit(ctx.store, {
          actor: env.caller.actor,
          at: env.now,
          action: 'release.decide-on-behalf',
          scope: `${node.split('/')[2]}/${params.customer}`,
          customer: params.customer,
          detail: {
            release: params.release,
            decision: body.decision,
            digest: info.digest,
            reason: body.onBehalf.reason,
          },
          result: 'ok',
        });
      return { ...info, ...(body.onBehalf ? { onBehalf: body.onBehalf } : {}) };
    },
  }),
  listRoute({
    id: 'listWindows',
    method: 'GET',
    path: '/windows',
    summary:
      "The maintenance calendar: freezes, test windows and production windows (the caller's customers' own)",
    tag: 'releases',
    query: z.object({
      from: z.string().max(40).optional().describe('a day (YYYY-MM-DD, policy time zone) or an ISO time'),
      to: z.string().max(40).optional().describe('through this day, or until this ISO time'),
      customer: nameParam.optional().describe("this customer's production windows, one per environment"),
    }),
    access: {
      kind: 'node',
      action: 'read',
      target: ({ query }, app) =>
        query.customer === undefined ? { anywhere: true } : customerTarget(app, query.customer),
    },
    item: windowEntrySchema,
    scopeOf: (e) =>
      e.customer === undefined ? SHARED : customerScope({ reseller: e.reseller ?? '', name: e.customer }),
    key: (e) =>
      `${String(Date.parse(e.start)).padStart(15, '0')}|${e.kind}|${e.customer ?? ''}/${e.environment ?? ''}`,
    handle: ({ query }, env) => {
      const repo = env.app.controlRepo();
      const m = repo.provider.maintenance;
      const range = withQueryFields(() => calendarRange(m, env.now, query));
      const days = (range.to.epochMilliseconds - range.from.epochMilliseconds) / 86_400_000;
      if (days > 800) throw usage('query.to', 'the calendar spans at most 800 days per request');
      const entries = maintenanceCalendar(m, {
        ...range,
        customers: customerWindows(repo, query.customer),
        all: query.customer !== undefined,
      });
      return Promise.resolve(
        entries.map((e) =>
          e.customer === undefined ? e : { ...e, reseller: repo.customers.get(e.customer)!.reseller },
        ),
      );
    },
  }),
  listRoute({
    id: 'listAudit',
    method: 'GET',
    path: '/audit',
    summary: 'The audit log, oldest first: only the entries of the nodes where the caller may read it',
    tag: 'audit',
    query: z.object({
      customer: nameParam.optional(),
      since: z.iso.datetime({ offset: true }).optional().describe('entries from this instant on'),
    }),
    access: {
      kind: 'node',
      action: 'audit.read',
      target: ({ query }, app) =>
        query.customer === undefined ? { anywhere: true } : customerTarget(app, query.customer),
    },
    item: auditEntrySchema,
    scopeOf: (e) => e.node,
    key: (e) => String(e.id).padStart(15, '0'),
    handle: async ({ query }, env) => {
      const entries = await listAudit(await env.app.store(), {
        ...(query.customer !== undefined ? { customer: query.customer } : {}),
        ...(query.since !== undefined ? { since: new Date(query.since) } : {}),
      });
      return entries.map((e) => ({ ...e, node: auditNode(e) }));
    },
  }),
];

async function releasesFor(env: ApiEnv) {
  const ctx = await rolloutContext(env);
  const repo = ctx.controlRepo;
  const node = (customer: string): ScopePath | undefined => {
    const c = repo.customers.get(customer);
    return c ? scopePath(c.reseller, c.name) : undefined;
  };
  const mine = (customer: string) => {
    const n = node(customer);
    return n !== undefined && env.visible(n);
  };
  return (await releaseStatus(ctx)).map((r) => ({
    name: r.name,
    month: r.month,
    frozenAt: r.frozenAt,
    commit: r.commit,
    snapshot: r.snapshot,
    frozenBy: r.frozenBy,
    deployed: r.deployed.filter((d) => mine(d.customer)),
    decisions: r.decisions.filter((d) => mine(d.customer)),
  }));
}

function usage(field: string, summary: string): DiagnosticsError {
  return new DiagnosticsError([error('USAGE', summary, { field })]);
}

/** calendarRange names its CLI flags; the API names its query fields. */
function withQueryFields<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (!(err instanceof DiagnosticsError)) throw err;
    const renamed: Diagnostic[] = err.diagnostics.map((d) => ({
      ...d,
      ...(d.field ? { field: d.field.replace(/^--/, 'query.') } : {}),
      summary: d.summary.replace(/--(from|to)\b/g, '$1'),
    }));
    throw new DiagnosticsError(renamed);
  }
}
