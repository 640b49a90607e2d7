// `aare destroy --customer C [--env E]`: deletes everything Aare made for a customer (or one of
// its environments) in OpenStack and DNS, after showing the plan.
import type { Command } from 'commander';
import { action, UsageError } from '../cli-run.js';
import { controlRepoFlag, repoAliasFlag, withApp } from '../cli-app.js';
import { planOutput } from '../plan-output.js';
import { filterOf, interruptible, planConfirmApply } from '../plan-run.js';
import type { PlanFlags } from '../plan-run.js';

export function register(program: Command): void {
  program
    .command('destroy')
    .description("delete a customer's (or one environment's) resources from OpenStack and DNS")
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .requiredOption('--customer <name>', 'the customer')
    .option('--env <name>', 'only this environment of the customer')
    .option('--yes', 'do not ask for confirmation')
    .option('--json', 'NDJSON: engine events')
    .action(
      action(async (opts: PlanFlags & { yes?: boolean }) => {
        if (!opts.customer) throw new UsageError('destroy needs --customer');
        const filter = filterOf(opts);
        const ac = interruptible();
        const out = planOutput(!!opts.json);
        const what = opts.env ? `${opts.customer}/${opts.env}` : opts.customer;
        return withApp(
          opts,
          (app) =>
            planConfirmApply(app, out, {
              filter,
              mode: 'destroy',
              question: `Delete every resource of ${what}?`,
              yes: opts.yes,
            }),
          { onEvent: out.onEvent, signal: ac.signal },
        );
      }),
    );
}
