// `aare apply [PLANFILE]`: executes a stored plan, or plans and (after confirmation) applies.
import type { Command } from 'commander';
import { action, EXIT, printDiagnostics } from '../cli-run.js';
import { confirm, filterOf, interruptible, openSession, output, planWith } from './plan.js';
import type { PlanOptions } from './plan.js';

export function register(program: Command): void {
  program
    .command('apply')
    .description('apply a stored plan, or plan and apply the control repository (or one customer/env)')
    .argument('[planfile]', 'a plan stored by `aare plan --out`')
    .option('--repo <dir>', 'the control repository', '.')
    .option('--customer <name>', 'only this customer')
    .option('--env <name>', 'only this environment of the customer')
    .option('--yes', 'do not ask for confirmation')
    .option('--json', 'NDJSON: engine events')
    .action(
      action(async (planfile: string | undefined, opts: PlanOptions & { yes?: boolean }) => {
        const { applyPlan, recoverInterrupted, hasChanges, readPlanFile } =
          await import('../../engine/index.js');
        const ac = interruptible();
        const out = output(!!opts.json);
        const session = await openSession(opts.repo, out.onEvent, ac.signal);
        try {
          let plan;
          if (planfile) {
            plan = readPlanFile(planfile);
          } else {
            await recoverInterrupted(session.ctx);
            plan = await planWith(session, filterOf(opts), 'apply');
            out.plan(plan);
            if (!hasChanges(plan)) return EXIT.ok;
            if (!(await confirm('Apply these changes?', opts.yes))) {
              process.stderr.write('aare: apply cancelled\n');
              return EXIT.failed;
            }
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
