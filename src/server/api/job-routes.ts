// Long work as jobs (docs/api.md): a plan or an apply of one customer environment, a package build,
// a release's deploy to test and promotion to production. Each answers 202 with the job and its
// `Location`; the job runs in `aare serve` with the functions the CLI's commands use, its engine
// events are its progress, and the job and its event stream belong to the node it acts on.
import { z } from 'zod';
import { scopePath } from '../../access/index.js';
import type { ScopePath } from '../../access/index.js';
import type { AppContext } from '../../app/index.js';
import { DiagnosticsError, error, hasErrors } from '../../diag/index.js';
import type { Diagnostic, Result } from '../../diag/index.js';
import type { EngineContext, Plan, PlanFilter } from '../../engine/index.js';
import { appendAudit, controlRepoHistory } from '../../release/index.js';
import type { InfrastructureRollout, RolloutContext } from '../../release/index.js';
import { findJob, jobEvents, jobUrl, keptResult, lastEventIdOf, listJobs, startJob } from './api-jobs.js';
import type { Job, JobRun, JobSpec } from './api-jobs.js';
import { listRoute, oneRoute } from './api-route.js';
import type { ApiEnv, Target } from './api-route.js';
import { diagnosticSchema, nameParam, namedSchemas } from './api-schemas.js';
import { customerTarget } from './tenant-routes.js';

export const jobSchema = z.object({
  id: z.string(),
  kind: z.enum(['plan', 'apply', 'build', 'deploy', 'promote']),
  scope: z.string().describe('the node of the tenant tree the job acts on'),
  state: z.enum(['queued', 'running', 'succeeded', 'failed']),
  actor: z.string(),
  request: z.record(z.string(), z.unknown()),
  result: z.unknown().optional().describe('what the work answered, once it succeeded'),
  errors: z.array(diagnosticSchema).optional().describe('why it failed'),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
});
namedSchemas.set('Job', {
  schema: jobSchema,
  description: 'Long work run by the server; follow it at /jobs/{id}/events.',
});

const jobAnswer = (j: Job) => j;
const locationOf = (body: { id: string }) => jobUrl(body.id);

function usage(field: string, summary: string): DiagnosticsError {
  return new DiagnosticsError([error('USAGE', summary, { field })]);
}

function check<T>(r: Result<T | undefined>): T {
  if (r.value === undefined || hasErrors(r.diagnostics))
    throw new DiagnosticsError(r.diagnostics.filter((d) => d.severity === 'error'));
  return r.value;
}

/** The customer's node when it has the environment; else nothing by that name (404). */
function environmentTarget(app: AppContext, customer: string, environment: string): Target {
  const c = app.controlRepo().customers.get(customer);
  return c?.environments.has(environment) ? { node: scopePath(c.reseller, c.name) } : undefined;
}

const auditScope = (app: AppContext, customer: string) => ({
  scope: `${app.controlRepo().customers.get(customer)!.reseller}/${customer}`,
  customer,
});

/** The engine with the job's events and signal instead of the server's. */
async function jobEngine(app: AppContext, run: JobRun): Promise<EngineContext> {
  return {
    ...(await app.engine()),
    onEvent: (e) => run.emit(e.type, { ...e }),
    signal: run.signal,
  };
}

/** Desired state and a plan, as `aare plan` makes it; warnings become events. */
async function planOf(app: AppContext, run: JobRun, filter: PlanFilter): Promise<Plan> {
  const { makePlan } = await import('../../engine/index.js');
  const desired = await app.desired(filter);
  if (hasErrors(desired.diagnostics)) throw new DiagnosticsError(desired.diagnostics);
  for (const d of desired.diagnostics) run.emit('diagnostic', { diagnostic: d });
  const planned = await makePlan(await jobEngine(app, run), {
    desired: desired.value,
    filter,
    mode: 'apply',
  });
  if (!planned.value || hasErrors(planned.diagnostics)) throw new DiagnosticsError(planned.diagnostics);
  return planned.value;
}

/**
 * A plan as the API shows it: each change with what its driver displays (digests and redacted
 * forms, as `aare plan` prints them), never the desired attributes an apply works with.
 */
function shownPlan(plan: Plan) {
  return {
    id: plan.id,
    createdAt: plan.createdAt,
    filter: plan.filter,
    mode: plan.mode,
    changes: plan.changes.map((c) => ({
      address: c.address,
      kind: c.kind,
      action: c.action,
      reasons: c.reasons,
      ...(c.adopt ? { adopt: true } : {}),
      ...(c.display ? { display: c.display } : {}),
      ...(c.displayChanges ? { displayChanges: c.displayChanges } : {}),
    })),
  };
}

/** Runs `work` and records it in the audit log with the caller, ok or failed with its codes. */
async function audited<T>(
  env: ApiEnv,
  entry: { action: string; scope: string; customer?: string; detail: Record<string, unknown> },
  work: () => Promise<T>,
): Promise<T> {
  const record = async (result: 'ok' | 'failed', extra: Record<string, unknown>) =>
    appendAudit(await env.app.store(), {
      actor: env.caller.actor,
      at: env.app.config.now(),
      action: entry.action,
      scope: entry.scope,
      ...(entry.customer !== undefined ? { customer: entry.customer } : {}),
      detail: { ...entry.detail, ...extra },
      result,
    });
  let out: T;
  try {
    out = await work();
  } catch (err) {
    const codes = err instanceof DiagnosticsError ? err.diagnostics.map((d) => d.code) : ['INTERNAL'];
    await record('failed', { errors: codes });
    throw err;
  }
  await record('ok', {});
  return out;
}

async function start(env: ApiEnv, spec: JobSpec): Promise<Job> {
  return startJob(env.app, env.caller.actor, env.now, spec);
}

const envParams = z.object({ customer: nameParam, environment: nameParam });
const releaseCustomerParams = z.object({ release: z.string().min(1).max(64), customer: nameParam });
const jobParams = z.object({ id: z.string().min(1).max(64) });
const emergency = z
  .strictObject({ reason: z.string().min(1).max(2000) })
  .optional()
  .describe('change production outside its window: why (in the audit log)');

/** The job named by `params.id`, when the store has it: its node decides who sees it. */
async function jobTarget(app: AppContext, id: string): Promise<Target> {
  const job = await findJob(app, id);
  return job ? { node: job.scope } : undefined;
}

export const jobRoutes = [
  oneRoute({
    id: 'createPlan',
    method: 'POST',
    path: '/customers/{customer}/environments/{environment}/plans',
    summary: 'Plan the environment (refresh and diff) as a job; its result is the plan an apply executes',
    tag: 'jobs',
    params: envParams,
    body: z.strictObject({}),
    access: {
      kind: 'node',
      action: 'plan',
      target: ({ params }, app) => environmentTarget(app, params.customer, params.environment),
    },
    response: jobSchema,
    status: 202,
    location: locationOf,
    handle: async ({ params }, env) => {
      const c = env.app.controlRepo().customers.get(params.customer)!;
      const filter: PlanFilter = { customer: params.customer, env: params.environment };
      return jobAnswer(
        await start(env, {
          kind: 'plan',
          scope: scopePath(c.reseller, c.name),
          request: { customer: params.customer, environment: params.environment },
          run: (run) => planOf(env.app, run, filter),
          shown: (plan) => shownPlan(plan as Plan),
        }),
      );
    },
  }),
  oneRoute({
    id: 'createApply',
    method: 'POST',
    path: '/customers/{customer}/environments/{environment}/applies',
    summary:
      'Apply exactly the plan a plan job of this environment made, as a job (a stale plan is refused); audited',
    tag: 'jobs',
    params: envParams,
    body: z.strictObject({
      plan: z.string().min(1).max(64).describe('the id of a succeeded plan job'),
      emergency,
    }),
    access: {
      kind: 'node',
      action: 'apply',
      target: ({ params }, app) => environmentTarget(app, params.customer, params.environment),
    },
    response: jobSchema,
    status: 202,
    location: locationOf,
    handle: async ({ params, body }, env) => {
      const app = env.app;
      const c = app.controlRepo().customers.get(params.customer)!;
      const planJob = await findJob(app, body.plan);
      if (
        !planJob ||
        planJob.kind !== 'plan' ||
        planJob.request.customer !== params.customer ||
        planJob.request.environment !== params.environment
      )
        throw usage('body.plan', 'not a plan job of this environment');
      if (planJob.state !== 'succeeded')
        throw usage('body.plan', `the plan job has not succeeded (it is ${planJob.state})`);
      const plan = (await keptResult(app, planJob.id)) as Plan;
      const request = {
        customer: params.customer,
        environment: params.environment,
        plan: body.plan,
        ...(body.emergency ? { emergency: body.emergency } : {}),
      };
      return jobAnswer(
        await start(env, {
          kind: 'apply',
          scope: scopePath(c.reseller, c.name),
          request,
          run: (run) =>
            audited(
              env,
              { action: 'apply', ...auditScope(app, params.customer), detail: { ...request } },
              () => applyJob(app, run, plan, body.emergency),
            ),
        }),
      );
    },
  }),
  oneRoute({
    id: 'createBuild',
    method: 'POST',
    path: '/packages/{package}/builds',
    summary: 'Build a git tag of the package into a signed RPM and publish it, as a job; audited',
    tag: 'jobs',
    params: z.object({ package: nameParam }),
    body: z.strictObject({
      tag: z.string().min(1).max(255).optional().describe('this tag; default the newest matching tag'),
    }),
    access: {
      kind: 'node',
      action: 'package.build',
      target: ({ params }, app) => packageTarget(app, params.package),
    },
    response: jobSchema,
    status: 202,
    location: locationOf,
    handle: async ({ params, body }, env) => {
      const app = env.app;
      const def = app.controlRepo().packages.get(params.package)!;
      const node = packageNode(app, params.package)!;
      const request = { package: params.package, ...(body.tag !== undefined ? { tag: body.tag } : {}) };
      const scope = def.customer ? auditScope(app, def.customer) : { scope: '' };
      return jobAnswer(
        await start(env, {
          kind: 'build',
          scope: node,
          request,
          run: (run) =>
            audited(env, { action: 'package.build', ...scope, detail: { ...request } }, async () => {
              const { buildPackage } = await import('../../packaging/index.js');
              run.emit('build.start', request);
              const r = await buildPackage(await app.packaging(), def, {
                ...(body.tag !== undefined ? { tag: body.tag } : {}),
                customers: new Set(app.controlRepo().customers.keys()),
                signal: run.signal,
              });
              if (hasErrors(r.diagnostics)) throw new DiagnosticsError(r.diagnostics);
              for (const b of r.value) run.emit('build.done', { ...b });
              return r.value;
            }),
        }),
      );
    },
  }),
  rolloutRoute('deploy'),
  rolloutRoute('promote'),
  listRoute({
    id: 'listJobs',
    method: 'GET',
    path: '/jobs',
    summary: 'The jobs of the nodes the caller may read',
    tag: 'jobs',
    access: { kind: 'node', action: 'read', target: () => ({ anywhere: true }) },
    item: jobSchema,
    scopeOf: (j) => j.scope,
    key: (j) => `${j.createdAt}|${j.id}`,
    handle: async (_input, env) => listJobs(env.app),
  }),
  oneRoute({
    id: 'getJob',
    method: 'GET',
    path: '/jobs/{id}',
    summary: 'A job: its state, and its result or errors once it ended',
    tag: 'jobs',
    params: jobParams,
    access: { kind: 'node', action: 'read', target: ({ params }, app) => jobTarget(app, params.id) },
    response: jobSchema,
    handle: async ({ params }, env) => (await findJob(env.app, params.id))!,
  }),
  oneRoute({
    id: 'getJobEvents',
    method: 'GET',
    path: '/jobs/{id}/events',
    summary:
      "A job's progress as Server-Sent Events; Last-Event-ID resumes after that event; the stream ends with job.succeeded or job.failed",
    tag: 'jobs',
    params: jobParams,
    access: { kind: 'node', action: 'read', target: ({ params }, app) => jobTarget(app, params.id) },
    status: 200,
    events: true,
    handle: ({ params, lastEventId, signal }, env) =>
      Promise.resolve(jobEvents(env.app, params.id, lastEventIdOf(lastEventId), signal) as never),
  }),
];

/** A package of a customer belongs to the customer's node; a shared one to the provider's. */
function packageNode(app: AppContext, name: string): ScopePath | undefined {
  const def = app.controlRepo().packages.get(name);
  if (!def) return undefined;
  if (def.customer === undefined) return '/';
  const c = app.controlRepo().customers.get(def.customer);
  return c ? scopePath(c.reseller, c.name) : '/';
}

export function packageTarget(app: AppContext, name: string): Target {
  const node = packageNode(app, name);
  return node === undefined ? undefined : { node };
}

async function applyJob(
  app: AppContext,
  run: JobRun,
  plan: Plan,
  emergency: { reason: string } | undefined,
): Promise<{ ok: boolean; diagnostics: Diagnostic[] }> {
  const { applyPlan } = await import('../../engine/index.js');
  const { windowRefusals, windowRefusalDiagnostics } = await import('../../release/index.js');
  const repo = app.controlRepo();
  const refusals = windowRefusals(repo.provider.maintenance, repo, plan.changes, app.config.now());
  if (refusals.length > 0 && !emergency) throw new DiagnosticsError(windowRefusalDiagnostics(refusals));
  if (refusals.length > 0) run.emit('emergency', { reason: emergency!.reason });
  const result = await applyPlan(await jobEngine(app, run), plan);
  if (!result.ok) throw new DiagnosticsError(result.diagnostics);
  return { ok: result.ok, diagnostics: result.diagnostics };
}

function rolloutRoute(verb: 'deploy' | 'promote') {
  const envName = verb === 'deploy' ? 'test' : 'production';
  return oneRoute({
    id: verb === 'deploy' ? 'deployRelease' : 'promoteRelease',
    method: 'POST',
    path: `/releases/{release}/customers/{customer}/${verb === 'deploy' ? 'deployments' : 'promotions'}`,
    summary:
      verb === 'deploy'
        ? "Deploy the release to the customer's test environments (distribution and infrastructure), as a job"
        : "Promote the release to the customer's production (inside the window, after the gap, when accepted), as a job",
    tag: 'jobs',
    params: releaseCustomerParams,
    body: verb === 'deploy' ? z.strictObject({}) : z.strictObject({ emergency }),
    access: {
      kind: 'node',
      action: verb === 'deploy' ? 'release.deploy' : 'release.promote',
      target: ({ params }, app) => customerTarget(app, params.customer),
    },
    response: jobSchema,
    status: 202,
    location: locationOf,
    handle: async ({ params, body }, env) => {
      const app = env.app;
      const c = app.controlRepo().customers.get(params.customer)!;
      const { releaseNamed } = await import('../../release/index.js');
      const found = check(await releaseNamed(await app.store(), params.release));
      const em = (body as { emergency?: { reason: string } }).emergency;
      return jobAnswer(
        await start(env, {
          kind: verb,
          scope: scopePath(c.reseller, c.name),
          request: { release: params.release, customer: params.customer, ...(em ? { emergency: em } : {}) },
          run: (run) => rollout(env, run, found.commit, params.release, params.customer, envName, em),
        }),
      );
    },
  });
}

/** `aare release deploy|promote --customer`: the release's commit read from git, never the working tree. */
async function rollout(
  env: ApiEnv,
  run: JobRun,
  commit: string,
  release: string,
  customer: string,
  envName: 'test' | 'production',
  emergency: { reason: string } | undefined,
) {
  const app = env.app;
  const { executeRollout, planRollout } = await import('../../release/index.js');
  const { applyPlan, hasChanges, recoverInterrupted } = await import('../../engine/index.js');
  const frozen = await app.atCommit(commit);
  try {
    const ctx: RolloutContext = {
      store: await app.store(),
      repoService: await app.repoService({ signing: true }),
      controlRepo: frozen.controlRepo(),
      history: controlRepoHistory(app.config.controlRepoDir, async (c) => {
        const at = await app.atCommit(c);
        return { controlRepo: at.controlRepo(), hiera: at.hiera() };
      }),
      now: app.config.now(),
      actor: env.caller.actor,
    };
    await recoverInterrupted(await jobEngine(frozen, run));
    const infrastructure: InfrastructureRollout = {
      plan: (cu, e) => planOf(frozen, run, { customer: cu, env: e }),
      async apply(cu, e) {
        const plan = await planOf(frozen, run, { customer: cu, env: e });
        if (!hasChanges(plan)) return { ok: true, changes: 0, diagnostics: [] };
        const result = await applyPlan(await jobEngine(frozen, run), plan);
        return {
          ok: result.ok,
          changes: plan.changes.filter((ch) => ch.action !== 'noop' || ch.adopt).length,
          diagnostics: result.diagnostics,
        };
      },
    };
    const plan = check(
      await planRollout(
        ctx,
        {
          release,
          env: envName,
          customer,
          ...(emergency ? { emergency } : {}),
          maintenance: ctx.controlRepo.provider.maintenance,
        },
        infrastructure,
      ),
    );
    for (const s of plan.steps)
      run.emit('rollout.step', {
        customer: s.customer,
        environment: s.environment,
        status: s.status,
        to: s.to,
        ...(s.allowedAt ? { allowedAt: s.allowedAt } : {}),
      });
    const refused = plan.steps.filter((s) => s.status === 'refused');
    const done = await executeRollout(ctx, plan, infrastructure);
    const diagnostics = [...refused.flatMap((s) => s.diagnostics), ...done.diagnostics];
    if (diagnostics.some((d) => d.severity === 'error')) throw new DiagnosticsError(diagnostics);
    return {
      steps: plan.steps.map((s) => ({
        customer: s.customer,
        environment: s.environment,
        status: s.status,
        to: s.to,
      })),
    };
  } finally {
    await frozen.close();
  }
}
