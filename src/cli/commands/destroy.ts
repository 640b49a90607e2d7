// `aare destroy --customer C [--env E]`: deletes everything Aare made for a customer (or one of
// its environments) in OpenStack, DNS and the backup server, after showing the plan. Backups are
// kept (the repositories are only forgotten) unless --delete-backups.
import type { Command } from 'commander';
import { action, UsageError } from '../cli-run.js';
import { controlRepoFlag, repoAliasFlag, withApp } from '../cli-app.js';
import type { PlanFlags } from '../plan-run.js';

export function register(program: Command): void {
  program
    .command('destroy')
    .description("delete a customer's (or one environment's) resources from OpenStack and DNS")
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .requiredOption('--customer <name>', 'the customer')
    .option('--env <name>', 'only this environment of the customer')
    .option('--delete-backups', "also delete the backup repositories' data (default: keep the backups)")
    .option('--yes', 'do not ask for confirmation')
    .option('--json', 'NDJSON: engine events')
    .action(
      action(async (opts: PlanFlags & { yes?: boolean; deleteBackups?: boolean }) => {
        if (!opts.customer) throw new UsageError('destroy needs --customer');
        // loaded on use: the engine (and the store) would otherwise load with every command
        const { filterOf, interruptible, planConfirmApply } = await import('../plan-run.js');
        const { planOutput } = await import('../plan-output.js');
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
              question: opts.deleteBackups
                ? `Delete every resource of ${what}, and its backups?`
                : `Delete every resource of ${what}? (backups are kept; --delete-backups deletes them)`,
              yes: opts.yes,
            }),
          {
            onEvent: out.onEvent,
            signal: ac.signal,
            ...(opts.deleteBackups ? { deleteBackups: true } : {}),
          },
        );
      }),
    );
}
