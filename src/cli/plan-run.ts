// The steps plan, apply and destroy share: the filter from --customer/--env, desired state and a
// plan through the app context, and confirm -> apply -> report.
import { DiagnosticsError, hasErrors } from '../diag/index.js';
import type { AppContext } from '../app/index.js';
import type { Plan, PlanFilter } from '../engine/index.js';
import { EXIT, printDiagnostics, UsageError } from './cli-run.js';
import type { ControlRepoFlags } from './cli-app.js';
import type { PlanOutput } from './plan-output.js';

export interface PlanFlags extends ControlRepoFlags {
  customer?: string;
  env?: string;
  json?: boolean;
}

export function filterOf(opts: { customer?: string; env?: string }): PlanFilter {
  if (opts.env && !opts.customer) throw new UsageError('--env needs --customer');
  return { ...(opts.customer ? { customer: opts.customer } : {}), ...(opts.env ? { env: opts.env } : {}) };
}

/** Desired resources + plan; diagnostics (model, compile, refresh) end the command. */
export async function planWith(
  app: AppContext,
  filter: PlanFilter,
  mode: 'apply' | 'destroy',
): Promise<Plan> {
  const { makePlan } = await import('../engine/index.js');
  const desired = mode === 'destroy' ? { value: [], diagnostics: [] } : await app.desired(filter);
  if (hasErrors(desired.diagnostics)) throw new DiagnosticsError(desired.diagnostics);
  if (desired.diagnostics.length > 0) printDiagnostics(desired.diagnostics);
  const planned = await makePlan(await app.engine(), { desired: desired.value, filter, mode });
  if (!planned.value || hasErrors(planned.diagnostics)) throw new DiagnosticsError(planned.diagnostics);
  return planned.value;
}

/** Applies `plan` and reports its diagnostics; the command's exit code. */
export async function applyAndReport(app: AppContext, plan: Plan, out: PlanOutput): Promise<number> {
  const { applyPlan } = await import('../engine/index.js');
  const result = await applyPlan(await app.engine(), plan);
  out.diagnostics(result.diagnostics);
  return result.ok && result.diagnostics.length === 0 ? EXIT.ok : EXIT.failed;
}

/**
 * Finishes what an interrupted apply left, plans, shows the plan, asks `question` (unless --yes)
 * and applies exactly the plan shown. Nothing to do: exit 0 without asking.
 */
export async function planConfirmApply(
  app: AppContext,
  out: PlanOutput,
  opts: { filter: PlanFilter; mode: 'apply' | 'destroy'; question: string; yes: boolean | undefined },
): Promise<number> {
  const { recoverInterrupted, hasChanges } = await import('../engine/index.js');
  await recoverInterrupted(await app.engine());
  const plan = await planWith(app, opts.filter, opts.mode);
  out.plan(plan);
  if (!hasChanges(plan)) return EXIT.ok;
  if (!(await confirm(opts.question, opts.yes))) {
    process.stderr.write(`aare: ${opts.mode} cancelled\n`);
    return EXIT.failed;
  }
  return applyAndReport(app, plan, out);
}

/** Asks for `yes` on a TTY; without one, --yes is required. */
export async function confirm(question: string, yes: boolean | undefined): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY)
    throw new UsageError('not asking on a non-interactive terminal: pass --yes to apply');
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`${question} Only 'yes' is accepted: `);
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}

/** An AbortController that the first Ctrl-C fires (the apply stops starting new calls). */
export function interruptible(): AbortController {
  const ac = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('aare: interrupted: finishing the calls in flight, starting no new ones\n');
    ac.abort();
  });
  return ac;
}
