// `aare apply [PLANFILE]`: executes a stored plan, or plans and (after confirmation) applies.
// Outside a customer's production window a plan that would change its production is refused
// (docs/maintenance.md) unless `--emergency --reason TEXT`; both are in the audit log.
import type { Command } from 'commander';
import { action, EXIT, UsageError } from '../cli-run.js';
import { controlRepoFlag, repoAliasFlag, withApp } from '../cli-app.js';
import type { PlanFlags } from '../plan-run.js';
import { audited } from '../cli-audit.js';
import { DiagnosticsError } from '../../diag/index.js';
import type { AppContext } from '../../app/index.js';
import type { Plan } from '../../engine/index.js';

interface ApplyFlags extends PlanFlags {
  yes?: boolean;
  emergency?: boolean;
  reason?: string;
}

export function register(program: Command): void {
  program
    .command('apply')
    .description('apply a stored plan, or plan and apply the control repository (or one customer/env)')
    .argument('[planfile]', 'a plan stored by `aare plan --out`')
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .option('--customer <name>', 'only this customer')
    .option('--env <name>', 'only this environment of the customer')
    .option('--yes', 'do not ask for confirmation')
    .option('--emergency', 'change production outside its maintenance window (needs --reason)')
    .option('--reason <text>', 'why the emergency change cannot wait (recorded in the audit log)')
    .option('--json', 'NDJSON: engine events')
    .action(
      action(async (planfile: string | undefined, opts: ApplyFlags) => {
        // loaded on use: the engine (and the store) would otherwise load with every command
        const { applyAndReport, confirm, filterOf, interruptible, planWith } = await import('../plan-run.js');
        const { planOutput } = await import('../plan-output.js');
        const filter = filterOf(opts);
        const emergency = emergencyOf(opts);
        const ac = interruptible();
        const out = planOutput(!!opts.json);
        return withApp(
          opts,
          (app) => {
            const detail: Record<string, unknown> = { ...filter, ...(planfile ? { planfile } : {}) };
            return audited(app, detail, async () => {
              let plan: Plan;
              if (planfile) {
                const { readPlanFile } = await import('../../engine/index.js');
                plan = readPlanFile(planfile);
                // the audit entry's scope is the plan's, when the plan covers one customer
                if (plan.filter.customer !== undefined) detail.customer ??= plan.filter.customer;
              } else {
                const { recoverInterrupted, hasChanges } = await import('../../engine/index.js');
                await recoverInterrupted(await app.engine());
                plan = await planWith(app, filter, 'apply');
                out.plan(plan);
                if (!hasChanges(plan)) return EXIT.ok;
              }
              await windowGate(app, plan, emergency, detail);
              if (!planfile && !(await confirm('Apply these changes?', opts.yes))) {
                process.stderr.write('aare: apply cancelled\n');
                return EXIT.failed;
              }
              return applyAndReport(app, plan, out);
            });
          },
          { onEvent: out.onEvent, signal: ac.signal },
        );
      }),
    );
}

function emergencyOf(opts: ApplyFlags): { reason: string } | undefined {
  if (opts.reason !== undefined && !opts.emergency) throw new UsageError('--reason goes with --emergency');
  if (!opts.emergency) return undefined;
  if (!opts.reason?.trim()) throw new UsageError('--emergency needs --reason TEXT (it is recorded)');
  return { reason: opts.reason.trim() };
}

/** Refuses (OUTSIDE_WINDOW) or, with --emergency, records what the override let through. */
async function windowGate(
  app: AppContext,
  plan: Plan,
  emergency: { reason: string } | undefined,
  detail: Record<string, unknown>,
): Promise<void> {
  const { windowRefusals, windowRefusalDiagnostics } = await import('../../release/index.js');
  const repo = app.controlRepo();
  const refusals = windowRefusals(repo.provider.maintenance, repo, plan.changes, app.config.now());
  if (refusals.length === 0) return;
  const outside = refusals.map((r) => ({
    environment: `${r.customer}/${r.environment}`,
    changes: r.addresses,
    nextWindow: r.next,
  }));
  if (emergency) {
    detail.emergency = { reason: emergency.reason, outsideWindow: outside };
    process.stderr.write(
      `aare: emergency change outside the production window of ${outside.map((o) => o.environment).join(', ')}: recorded in the audit log\n`,
    );
    return;
  }
  detail.outsideWindow = outside;
  throw new DiagnosticsError(windowRefusalDiagnostics(refusals));
}
