// `aare destroy --customer C [--env E]`: deletes everything Aare made for a customer (or one of
// its environments) in OpenStack, after showing the plan.
import type { Command } from 'commander';
import { action, EXIT, printDiagnostics, UsageError } from '../cli-run.js';
import { confirm, filterOf, interruptible, openSession, output, planWith } from './plan.js';
import type { PlanOptions } from './plan.js';

export function register(program: Command): void {
  program
    .command('destroy')
    .description("delete a customer's (or one environment's) resources from OpenStack")
    .option('--repo <dir>', 'the control repository', '.')
    .requiredOption('--customer <name>', 'the customer')
    .option('--env <name>', 'only this environment of the customer')
    .option('--yes', 'do not ask for confirmation')
    .option('--json', 'NDJSON: engine events')
    .action(
      action(async (opts: PlanOptions & { yes?: boolean }) => {
        if (!opts.customer) throw new UsageError('destroy needs --customer');
        const { applyPlan, recoverInterrupted, hasChanges } = await import('../../engine/index.js');
        const ac = interruptible();
        const out = output(!!opts.json);
        const session = await openSession(opts.repo, out.onEvent, ac.signal);
        try {
          await recoverInterrupted(session.ctx);
          const plan = await planWith(session, filterOf(opts), 'destroy');
          out.plan(plan);
          if (!hasChanges(plan)) return EXIT.ok;
          const what = opts.env ? `${opts.customer}/${opts.env}` : opts.customer;
          if (!(await confirm(`Delete every resource of ${what}?`, opts.yes))) {
            process.stderr.write('aare: destroy cancelled\n');
            return EXIT.failed;
          }
          const result = await applyPlan(session.ctx, plan);
          if (opts.json) {
            for (const d of result.diagnostics)
              process.stdout.write(JSON.stringify({ type: 'diagnostic', diagnostic: d }) + '\n');
          } else printDiagnostics(result.diagnostics);
          return result.ok && result.diagnostics.length === 0 ? EXIT.ok : EXIT.failed;
        } finally {
          await session.close();
        }
      }),
    );
}
