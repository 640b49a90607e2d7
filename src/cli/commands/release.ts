// `aare release freeze` and `aare release list` (docs/maintenance.md): the monthly release, one
// snapshot of every package repository plus the control repository's commit; its diff for a
// customer, the customer's acceptance, deploy to test and promotion to production.
import type { Command } from 'commander';
import { action, EXIT } from '../cli-run.js';
import { controlRepoFlag, repoAliasFlag, requireControlRepoDir, withApp } from '../cli-app.js';
import type { ControlRepoFlags } from '../cli-app.js';
import { renderTable } from '../cli-table.js';
import { printDiagnostics, UsageError } from '../cli-run.js';
import { DiagnosticsError, valueOrThrow } from '../../diag/index.js';
import { PuppetFloat, rubyFloatText } from '../../puppet-types/index.js';
import type { AppContext } from '../../app/index.js';
import type { Plan } from '../../engine/index.js';
import type {
  InfrastructureRollout,
  ReleaseDiff,
  ReleaseStatus,
  RolloutContext,
  RolloutStep,
} from '../../release/index.js';
import type { Remote } from '../cli-remote.js';

export function register(program: Command): void {
  const group = program.command('release').description('releases: the monthly freeze of every repository');
  group
    .command('freeze')
    .description(
      'freeze now: snapshot every package repository and record the control repository’s commit (refused with uncommitted changes)',
    )
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .option('--json', 'print the release as JSON')
    .action(
      action(async (opts: ControlRepoFlags & { json?: boolean }) => {
        requireControlRepoDir(opts.controlRepo);
        const { freezeRelease } = await import('../../release/index.js');
        const release = await withApp(opts, async (app) =>
          valueOrThrow(
            await freezeRelease({
              store: await app.store(),
              repoService: await app.repoService(),
              controlRepoDir: app.config.controlRepoDir,
              stateDir: app.config.stateDir,
              maintenance: () => app.controlRepo().provider.maintenance,
              now: app.config.now(),
              actor: app.config.actor,
            }),
          ),
        );
        if (opts.json) process.stdout.write(JSON.stringify(release, null, 2) + '\n');
        else
          process.stdout.write(
            `release ${release.name} frozen at ${release.frozenAt}: commit ${release.commit}, snapshot ${release.snapshot}\n`,
          );
        return EXIT.ok;
      }),
    );
  group
    .command('list')
    .description('list releases, oldest first, with where each is deployed and who accepted it')
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .option('--json', 'print a JSON array of { name, frozenAt, commit, deployed, decisions, ... }')
    .action(
      action(async (opts: ControlRepoFlags & { json?: boolean }) => {
        const { releaseStatus } = await import('../../release/index.js');
        const remote = await remoteServerOf();
        const releases = remote
          ? await remoteReleases(remote)
          : await withApp(opts, async (app) => releaseStatus(await rolloutContext(app)));
        if (opts.json) {
          process.stdout.write(JSON.stringify(releases, null, 2) + '\n');
          return EXIT.ok;
        }
        const rows = releases.map((r) => [
          r.name,
          r.frozenAt,
          r.commit.slice(0, 12),
          r.frozenBy,
          r.deployed.map((d) => `${d.customer}/${d.environment}`).join('\n'),
          r.decisions
            .map((d) => `${d.customer}: ${d.decision}${d.current ? '' : ' (diff changed since)'}`)
            .join('\n'),
        ]);
        process.stdout.write(
          (await renderTable(['name', 'frozen at', 'commit', 'by', 'deployed', 'decisions'], rows, {
            rowLines: false,
          })) + '\n',
        );
        return EXIT.ok;
      }),
    );
  registerDiff(group);
  for (const decision of ['accepted', 'rejected'] as const) registerDecision(group, decision);
  registerRollout(group, 'test');
  registerRollout(group, 'production');
}

/** `signing`: the provider key signs the publications a deploy or promote writes. */
async function rolloutContext(app: AppContext, signing = false): Promise<RolloutContext> {
  const { controlRepoHistory } = await import('../../release/index.js');
  return {
    store: await app.store(),
    repoService: await app.repoService({ signing }),
    controlRepo: app.controlRepo(),
    history: controlRepoHistory(app.config.controlRepoDir, async (commit) => {
      const at = await app.atCommit(commit);
      return { controlRepo: at.controlRepo(), hiera: at.hiera() };
    }),
    now: app.config.now(),
    actor: app.config.actor,
  };
}

interface DiffFlags extends ControlRepoFlags {
  customer: string;
  json?: boolean;
  /** false with --no-plan */
  plan: boolean;
}

function registerDiff(group: Command): void {
  group
    .command('diff <release>')
    .description(
      "what the release changes against the customer's current production: packages, parameters per VM (with their Hiera origin), the infrastructure plan, and the digest an acceptance is bound to",
    )
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .requiredOption('--customer <name>', 'the customer')
    .option('--json', 'print the diff as JSON')
    .option('--no-plan', 'do not plan the infrastructure (it needs the cloud; the rest does not)')
    .action(
      action(async (release: string, opts: DiffFlags) => {
        const { releaseDiff } = await import('../../release/index.js');
        const remote = await remoteServerOf();
        if (remote && opts.plan)
          throw new UsageError(
            'with --server, release diff has no infrastructure plan (the API does not plan): add --no-plan',
          );
        const { diff, plan } = remote
          ? { diff: await remoteDiff(remote, release, opts.customer), plan: undefined }
          : await withApp(opts, async (app) => {
              const diff = valueOrThrow(await releaseDiff(await rolloutContext(app), release, opts.customer));
              return { diff, plan: opts.plan ? await releasePlan(app, diff) : undefined };
            });
        if (opts.json) {
          const summary = plan && {
            changes: shownChanges(plan).map((c) => ({
              address: c.address,
              action: c.action,
              ...(c.adopt ? { adopt: true } : {}),
            })),
            counts: countsOf(plan),
          };
          process.stdout.write(
            JSON.stringify({ ...diff, ...(summary ? { plan: summary } : {}) }, null, 2) + '\n',
          );
          return EXIT.ok;
        }
        const evr = (p: { epoch: number; version: string; release: string }) =>
          `${p.epoch ? `${p.epoch}:` : ''}${p.version}-${p.release}`;
        const rows: string[][] = [];
        for (const r of diff.repositories) {
          const where = `${r.repository} ${r.from ?? '-'} → ${r.to ?? '-'}`;
          for (const p of r.added) rows.push([where, 'added', `${p.name}.${p.arch}`, '', evr(p)]);
          for (const p of r.removed) rows.push([where, 'removed', `${p.name}.${p.arch}`, evr(p), '']);
          for (const u of r.upgraded)
            rows.push([where, u.downgrade ? 'downgraded' : 'upgraded', `${u.name}.${u.arch}`, u.from, u.to]);
        }
        process.stdout.write(
          `release ${diff.release} for ${diff.customer} against ${diff.customer}/${diff.environment}\n` +
            `control repository: ${diff.commit.from ?? '(no release on production yet)'} → ${diff.commit.to}\n` +
            (rows.length
              ? (await renderTable(['repository', 'change', 'package', 'from', 'to'], rows, {
                  rowLines: false,
                })) + '\n'
              : 'no package changes\n') +
            parameterLines(diff) +
            `digest ${diff.digest}\n`,
        );
        if (plan) {
          process.stdout.write(
            `\ninfrastructure plan of ${diff.customer}/${diff.environment} at ${diff.commit.to.slice(0, 12)}:\n`,
          );
          const { planOutput } = await import('../plan-output.js');
          planOutput(false).plan(plan);
        }
        return EXIT.ok;
      }),
    );
}

/**
 * The plan of the release's commit for the customer's production environment; undefined with a
 * warning when it cannot be made (the cloud unreachable, no credentials): the rest of the diff
 * does not need the cloud and is still worth reading.
 */
async function releasePlan(app: AppContext, diff: ReleaseDiff): Promise<Plan | undefined> {
  const { planWith } = await import('../plan-run.js');
  try {
    const frozen = await app.atCommit(diff.commit.to);
    return await planWith(frozen, { customer: diff.customer, env: diff.environment }, 'apply');
  } catch (err) {
    if (!(err instanceof DiagnosticsError)) throw err;
    printDiagnostics(
      err.diagnostics.map((d) => ({
        ...d,
        severity: 'warning' as const,
        summary: `no infrastructure plan (aare release diff --no-plan skips it): ${d.summary}`,
      })),
    );
    return undefined;
  }
}

function shownChanges(plan: Plan): Plan['changes'] {
  return plan.changes
    .filter((c) => c.action !== 'noop' || c.adopt)
    .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

function countsOf(plan: Plan): { create: number; update: number; replace: number; delete: number } {
  const counts = { create: 0, update: 0, replace: 0, delete: 0 };
  for (const c of plan.changes) if (c.action !== 'noop') counts[c.action]++;
  return counts;
}

/** `parameters:` and per VM one line per parameter: `~ profile::name: FROM → TO   (origin)`. */
function parameterLines(diff: ReleaseDiff): string {
  if (diff.parameters.length === 0)
    return `no parameter changes (compared with ${diff.parametersFrom.slice(0, 12)})\n`;
  const value = (v: unknown, sensitive: boolean | undefined) =>
    v === undefined
      ? '(none)'
      : sensitive
        ? String(v)
        : // `4` → `4.0` is a change of type: show the Float as Puppet writes it
          v instanceof PuppetFloat
          ? rubyFloatText(v.value)
          : JSON.stringify(v);
  const lines = [`parameters (compared with ${diff.parametersFrom.slice(0, 12)}):`];
  for (const vm of diff.parameters) {
    const symbol = vm.status === 'added' ? '+' : vm.status === 'removed' ? '-' : '~';
    lines.push(`${symbol} ${vm.vm}${vm.status === 'changed' ? '' : ` (${vm.status})`}`);
    for (const p of vm.parameters) {
      const sign = p.from === undefined ? '+' : p.to === undefined ? '-' : '~';
      const change =
        p.from === undefined
          ? value(p.to, p.sensitive)
          : p.to === undefined
            ? value(p.from, p.sensitive)
            : `${value(p.from, p.sensitive)} → ${value(p.to, p.sensitive)}`;
      lines.push(`    ${sign} ${p.profile}::${p.name}: ${change}${p.origin ? `   (${p.origin})` : ''}`);
    }
  }
  return lines.join('\n') + '\n';
}

function registerDecision(group: Command, decision: 'accepted' | 'rejected'): void {
  const verb = decision === 'accepted' ? 'accept' : 'reject';
  group
    .command(`${verb} <release>`)
    .description(`${verb} the release for a customer, bound to the digest of its current diff`)
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .requiredOption('--customer <name>', 'the customer deciding')
    .option('--comment <text>', 'why (recorded)')
    .action(
      action(async (release: string, opts: ControlRepoFlags & { customer: string; comment?: string }) => {
        const { decideRelease } = await import('../../release/index.js');
        const remote = await remoteServerOf();
        const info = remote
          ? await remoteDecision(remote, release, opts.customer, decision, opts.comment)
          : await withApp(opts, async (app) =>
              valueOrThrow(
                await decideRelease(
                  await rolloutContext(app),
                  release,
                  opts.customer,
                  decision,
                  opts.comment,
                ),
              ),
            );
        process.stdout.write(
          `${info.customer} ${decision} release ${info.release} (diff ${info.digest.slice(0, 12)})\n`,
        );
        return EXIT.ok;
      }),
    );
}

interface RolloutFlags extends ControlRepoFlags {
  env: string;
  customer?: string;
  yes?: boolean;
  emergency?: boolean;
  reason?: string;
}

function registerRollout(group: Command, env: 'test' | 'production'): void {
  const verb = env === 'test' ? 'deploy' : 'promote';
  const cmd = group
    .command(`${verb} <release>`)
    .description(
      env === 'test'
        ? "move the customers' test distributions to the release's snapshot"
        : "move the customers' production distributions to the release's snapshot (inside the window, after the gap, when accepted)",
    )
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .requiredOption('--env <name>', `the environment: ${env}`)
    .option('--customer <name>', 'only this customer')
    .option('--yes', 'do not ask for confirmation');
  if (env === 'production')
    cmd
      .option('--emergency', 'outside the window or before the gap has passed (needs --reason)')
      .option('--reason <text>', 'why it cannot wait (recorded in the audit log)');
  cmd.action(
    action(async (release: string, opts: RolloutFlags) => {
      if (opts.env !== env)
        throw new UsageError(
          `aare release ${verb} takes --env ${env}${env === 'test' ? ' (production: aare release promote)' : ' (test: aare release deploy)'}`,
        );
      if (opts.reason !== undefined && !opts.emergency)
        throw new UsageError('--reason goes with --emergency');
      if (opts.emergency && !opts.reason?.trim())
        throw new UsageError('--emergency needs --reason TEXT (it is recorded)');
      const { executeRollout, planRollout, releaseNamed } = await import('../../release/index.js');
      const { planWith, interruptible } = await import('../plan-run.js');
      const { planOutput } = await import('../plan-output.js');
      const { applyPlan, hasChanges, recoverInterrupted } = await import('../../engine/index.js');
      const out = planOutput(false);
      const ac = interruptible();
      return withApp(
        opts,
        async (app) => {
          const base = await rolloutContext(app, true);
          const found = valueOrThrow(await releaseNamed(base.store, release));
          // what the release froze, read from git: never the working tree
          const frozen = await app.atCommit(found.commit);
          const ctx: RolloutContext = { ...base, controlRepo: frozen.controlRepo() };
          await recoverInterrupted(await frozen.engine());
          const infrastructure: InfrastructureRollout = {
            plan: (customer, environment) => planWith(frozen, { customer, env: environment }, 'apply'),
            async apply(customer, environment) {
              const plan = await planWith(frozen, { customer, env: environment }, 'apply');
              if (!hasChanges(plan)) return { ok: true, changes: 0, diagnostics: [] };
              const result = await applyPlan(await frozen.engine(), plan);
              return {
                ok: result.ok,
                changes: plan.changes.filter((c) => c.action !== 'noop' || c.adopt).length,
                diagnostics: result.diagnostics,
              };
            },
          };
          const plan = valueOrThrow(
            await planRollout(
              ctx,
              {
                release,
                env,
                ...(opts.customer !== undefined ? { customer: opts.customer } : {}),
                ...(opts.emergency ? { emergency: { reason: opts.reason!.trim() } } : {}),
                maintenance: ctx.controlRepo.provider.maintenance,
              },
              infrastructure,
            ),
          );
          process.stdout.write(`release ${found.name}: commit ${found.commit}, snapshot ${found.snapshot}\n`);
          for (const s of plan.steps) {
            showStep(s);
            if (s.status === 'move' && s.plan && hasChanges(s.plan)) out.plan(s.plan);
          }
          if (plan.steps.length === 0)
            process.stdout.write('no customer of the control repository has a repository in this release\n');
          const moving = plan.steps.filter((s) => s.status === 'move');
          const refused = plan.steps.filter((s) => s.status === 'refused');
          const go =
            moving.length > 0 &&
            (await (
              await import('../plan-run.js')
            ).confirm(
              `${verb === 'deploy' ? 'Deploy' : 'Promote'} release ${found.name} to ${moving.map((s) => `${s.customer}/${s.environment}`).join(', ')}?`,
              opts.yes,
            ));
          if (moving.length > 0 && !go) process.stderr.write(`aare: ${verb} cancelled\n`);
          // refusals are recorded also when nothing moves
          if (!go) plan.steps = refused;
          const done = await executeRollout(ctx, plan, infrastructure);
          const diagnostics = [...refused.flatMap((s) => s.diagnostics), ...done.diagnostics];
          if (diagnostics.length) printDiagnostics(diagnostics);
          return diagnostics.length || (moving.length > 0 && !go) ? EXIT.failed : EXIT.ok;
        },
        { onEvent: out.onEvent, signal: ac.signal },
      );
    }),
  );
}

function showStep(s: RolloutStep): void {
  const where = `${s.customer}/${s.environment}`;
  const from = s.from === undefined ? '(no distribution)' : (s.from ?? '(latest)');
  const infra =
    s.plan && hasPlanChanges(s.plan) ? 'infrastructure changes below' : 'infrastructure up to date';
  if (s.status === 'unchanged') process.stdout.write(`  ${where}: already on ${s.to}, ${infra}\n`);
  else if (s.status === 'move')
    process.stdout.write(
      `~ ${where}: ${s.distributed ? `already on ${s.to}` : `${from} → ${s.to}`}, ${infra}${s.overridden ? ` (emergency: overrides the ${s.overridden.join(' and ')})` : ''}\n`,
    );
  else process.stdout.write(`! ${where}: refused${s.allowedAt ? `, allowed from ${s.allowedAt}` : ''}\n`);
}

function hasPlanChanges(plan: NonNullable<RolloutStep['plan']>): boolean {
  return plan.changes.some((c) => c.action !== 'noop' || c.adopt === true);
}

async function remoteServerOf(): Promise<Remote | undefined> {
  return (await import('../cli-remote.js')).remoteServer();
}

/** The releases from the API, each as `releaseStatus` gives it. */
async function remoteReleases(remote: Remote): Promise<ReleaseStatus[]> {
  const { apiList } = await import('../cli-remote.js');
  const items = await apiList<ReleaseStatus>(remote, '/releases');
  return items.map((r) => ({
    name: r.name,
    month: r.month,
    frozenAt: r.frozenAt,
    commit: r.commit,
    snapshot: r.snapshot,
    frozenBy: r.frozenBy,
    deployed: r.deployed,
    decisions: r.decisions,
  }));
}

/** The diff from the API, as `releaseDiff` gives it (the API adds the customer's acceptance). */
async function remoteDiff(remote: Remote, release: string, customer: string): Promise<ReleaseDiff> {
  const { apiCall, apiPath } = await import('../cli-remote.js');
  const { acceptance: _acceptance, ...diff } = await apiCall<ReleaseDiff & { acceptance?: unknown }>(
    remote,
    'GET',
    apiPath('/releases/{release}/customers/{customer}/diff', { release, customer }),
  );
  return diff;
}

async function remoteDecision(
  remote: Remote,
  release: string,
  customer: string,
  decision: 'accepted' | 'rejected',
  comment: string | undefined,
): Promise<{ customer: string; release: string; digest: string }> {
  const { apiCall, apiPath } = await import('../cli-remote.js');
  return apiCall(
    remote,
    'POST',
    apiPath('/releases/{release}/customers/{customer}/decision', { release, customer }),
    {
      body: { decision, ...(comment !== undefined ? { comment } : {}) },
    },
  );
}
