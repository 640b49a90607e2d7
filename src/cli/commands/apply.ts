// `aare apply [PLANFILE]`: executes a stored plan, or plans and (after confirmation) applies.
import type { Command } from 'commander';
import { action } from '../cli-run.js';
import { controlRepoFlag, repoAliasFlag, withApp } from '../cli-app.js';
import { planOutput } from '../plan-output.js';
import { applyAndReport, filterOf, interruptible, planConfirmApply } from '../plan-run.js';
import type { PlanFlags } from '../plan-run.js';
import { audited } from '../cli-audit.js';

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
    .option('--json', 'NDJSON: engine events')
    .action(
      action(async (planfile: string | undefined, opts: PlanFlags & { yes?: boolean }) => {
        const filter = filterOf(opts);
        const ac = interruptible();
        const out = planOutput(!!opts.json);
        return withApp(
          opts,
          (app) =>
            audited(app, { ...filter, ...(planfile ? { planfile } : {}) }, async () => {
              if (planfile) {
                const { readPlanFile } = await import('../../engine/index.js');
                return applyAndReport(app, readPlanFile(planfile), out);
              }
              return planConfirmApply(app, out, {
                filter,
                mode: 'apply',
                question: 'Apply these changes?',
                yes: opts.yes,
              });
            }),
          { onEvent: out.onEvent, signal: ac.signal },
        );
      }),
    );
}
