// `aare window list`: the maintenance calendar of aare.yaml's policy (docs/maintenance.md):
// freezes, test windows and production windows, with each customer's own.
import type { Command } from 'commander';
import { DiagnosticsError, error } from '../../diag/index.js';
import { action, EXIT } from '../cli-run.js';
import { controlRepoFlag, repoAliasFlag, requireControlRepoDir, withApp } from '../cli-app.js';
import type { ControlRepoFlags } from '../cli-app.js';
import { renderTable } from '../cli-table.js';

interface WindowFlags extends ControlRepoFlags {
  from?: string;
  to?: string;
  customer?: string;
  json?: boolean;
}

export function register(program: Command): void {
  const group = program
    .command('window')
    .description('maintenance windows: the calendar of freezes, test and production');
  group
    .command('list')
    .description(
      'list freezes and windows (default: from the start of this month for three months); without --customer, the default production window and each customer’s own',
    )
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .option('--from <date>', 'from this day (YYYY-MM-DD in the policy’s time zone) or ISO time')
    .option('--to <date>', 'through this day (YYYY-MM-DD) or until this ISO time')
    .option('--customer <name>', 'the production windows of this customer’s environments')
    .option('--json', 'print a JSON array of { kind, customer?, environment?, start, end }')
    .action(
      action(async (opts: WindowFlags) => {
        requireControlRepoDir(opts.controlRepo);
        const { calendarRange, customerWindows, maintenanceCalendar } =
          await import('../../release/index.js');
        const entries = await withApp(opts, (app) => {
          const controlRepo = app.controlRepo();
          if (opts.customer !== undefined && !controlRepo.customers.has(opts.customer))
            throw new DiagnosticsError([
              error('NOT_FOUND', `no customer ${opts.customer} in the control repository`, {
                field: '--customer',
              }),
            ]);
          const m = controlRepo.provider.maintenance;
          const range = calendarRange(m, app.config.now(), opts);
          return Promise.resolve(
            maintenanceCalendar(m, {
              ...range,
              customers: customerWindows(controlRepo, opts.customer),
              all: opts.customer !== undefined,
            }),
          );
        });
        if (opts.json) {
          process.stdout.write(JSON.stringify(entries, null, 2) + '\n');
          return EXIT.ok;
        }
        const rows = entries.map((e) => [
          e.kind,
          e.customer ? `${e.customer}/${e.environment}` : e.kind === 'production' ? '(default)' : '',
          e.start,
          e.kind === 'freeze' ? '' : e.end,
        ]);
        process.stdout.write(
          (await renderTable(['kind', 'customer', 'start', 'end'], rows, { rowLines: false })) + '\n',
        );
        return EXIT.ok;
      }),
    );
}
