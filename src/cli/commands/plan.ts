// `aare plan`: refresh and diff the cloud against the control repository; show, and optionally
// store, the plan. Exit codes as Terraform's: 0 no changes, 1 error, 2 changes (with
// --detailed-exitcode).
import type { Command } from 'commander';
import { action, EXIT } from '../cli-run.js';
import { controlRepoFlag, repoAliasFlag, withApp } from '../cli-app.js';
import type { PlanFlags } from '../plan-run.js';

export function register(program: Command): void {
  program
    .command('plan')
    .description('show what apply would create, update, replace or delete in OpenStack and DNS')
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .option('--customer <name>', 'only this customer')
    .option('--env <name>', 'only this environment of the customer')
    .option('--json', 'NDJSON: engine events, one line per change, then the plan summary')
    .option('--out <file>', 'store the plan, for `aare apply FILE`')
    .option('--detailed-exitcode', 'exit 2 when there are changes (0 none, 1 error)')
    .action(
      action(async (opts: PlanFlags & { out?: string; detailedExitcode?: boolean }) => {
        // loaded on use: the engine (and the store) would otherwise load with every command
        const { filterOf, planWith } = await import('../plan-run.js');
        const { planOutput } = await import('../plan-output.js');
        const filter = filterOf(opts);
        const out = planOutput(!!opts.json);
        return withApp(
          opts,
          async (app) => {
            const plan = await planWith(app, filter, 'apply');
            const { writePlanFile, hasChanges } = await import('../../engine/index.js');
            if (opts.out) writePlanFile(opts.out, plan);
            out.plan(plan, opts.out);
            return hasChanges(plan) && opts.detailedExitcode ? 2 : EXIT.ok;
          },
          { onEvent: out.onEvent },
        );
      }),
    );
}
