// `aare backup status|prune|server-config`: the customers' restic repositories as they really
// are (docs/backup.md). status exits 3 when any VM's backup is late, so monitoring can run it as
// a check; prune runs each VM's retention provider-side (the VMs' access is append-only).
import type { Command } from 'commander';
import { DiagnosticsError } from '../../diag/index.js';
import type { AppContext } from '../../app/index.js';
import { action, EXIT } from '../cli-run.js';
import { controlRepoFlag, repoAliasFlag, withApp } from '../cli-app.js';
import type { ControlRepoFlags } from '../cli-app.js';
import { renderTable } from '../cli-table.js';

/** `aare backup status` found a VM whose backup is late (or missing). */
export const EXIT_BACKUP_LATE = 3;

interface BackupFlags extends ControlRepoFlags {
  customer?: string;
  json?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('backup')
    .description("the customers' restic backups: status, retention, server logins");
  cmd
    .command('status')
    .description(
      'snapshots per VM from the real repositories; LATE when the last backup is older than the schedule allows (exit 3)',
    )
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .option('--customer <name>', 'only this customer')
    .option('--json', 'print JSON instead of a table')
    .action(
      action(async (opts: BackupFlags) =>
        withApp(opts, async (app) => {
          const { backup } = await import('../../providers/index.js');
          const { server, vms, timeZone } = await backupScope(app, opts.customer);
          try {
            const rows = await backup.backupStatus(server, vms, { timeZone, now: app.config.now() });
            if (opts.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
            else if (rows.length === 0) process.stdout.write('no VM has backup paths\n');
            else {
              const cells = rows.map((r) => [
                r.address,
                r.schedule,
                `${r.retentionDays}d`,
                String(r.snapshots),
                r.lastSnapshot ?? (r.repository ? 'never' : 'no repository'),
                r.late ? 'LATE' : 'ok',
              ]);
              const head = ['vm', 'schedule', 'keep', 'snapshots', 'last snapshot', 'status'];
              process.stdout.write((await renderTable(head, cells, { rowLines: false })) + '\n');
            }
            return rows.some((r) => r.late) ? EXIT_BACKUP_LATE : EXIT.ok;
          } finally {
            await server.close();
          }
        }),
      ),
    );
  cmd
    .command('prune')
    .description(
      'apply every VM’s retention: restic forget --keep-within <days>d --prune on the full-access server',
    )
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .option('--customer <name>', 'only this customer')
    .option('--json', 'print JSON instead of lines')
    .action(
      action(async (opts: BackupFlags) =>
        withApp(opts, async (app) => {
          const { backup } = await import('../../providers/index.js');
          const { server, vms } = await backupScope(app, opts.customer);
          try {
            const results = await backup.backupPrune(server, vms, {
              onVm: (r) => {
                if (opts.json) return;
                const what = r.skipped ? r.skipped : `${r.before} → ${r.after} snapshots`;
                process.stdout.write(`${r.address}: ${what}\n`);
              },
            });
            if (opts.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
            return EXIT.ok;
          } finally {
            await server.close();
          }
        }),
      ),
    );
  cmd
    .command('server-config')
    .description(
      "the backup server's htpasswd lines of every customer with backups (for a server Aare cannot write)",
    )
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .option('--customer <name>', 'only this customer')
    .action(
      action(async (opts: BackupFlags) =>
        withApp(opts, async (app) => {
          const { backup } = await import('../../providers/index.js');
          const { server, vms } = await backupScope(app, opts.customer);
          await server.close();
          const lines = backup.serverConfigLines(
            await app.secrets(),
            vms.map((v) => v.customer),
          );
          process.stdout.write(lines.map((l) => l + '\n').join(''));
          return EXIT.ok;
        }),
      ),
    );
}

/** The backup server and every VM (of the customer) with backup paths, compiled. */
async function backupScope(app: AppContext, customer: string | undefined) {
  const { error } = await import('../../diag/index.js');
  const { backup } = await import('../../providers/index.js');
  const { compileVm, createCompileContext } = await import('../../compile/index.js');
  const repo = app.controlRepo();
  if (customer && !repo.customers.has(customer)) {
    throw new DiagnosticsError([
      error('NOT_FOUND', `no customer ${customer} in the control repository`, { field: 'customer' }),
    ]);
  }
  const server = backup.openBackupServer({
    endpoint: repo.provider.endpoints.backup,
    root: repo.root,
    env: app.config.env,
    secrets: () => app.secrets(),
  });
  if (!server) {
    throw new DiagnosticsError([
      error('BACKUP_CONFIG', 'aare.yaml has no endpoints.backup: Aare keeps no backups', {
        field: 'endpoints.backup',
      }),
    ]);
  }
  const ctx = createCompileContext(repo, app.hiera());
  const vms: import('../../providers/index.js').backup.BackupVm[] = [];
  const diagnostics = [];
  for (const vm of repo.vms) {
    if (customer && vm.customer !== customer) continue;
    const compiled = compileVm(ctx, vm);
    diagnostics.push(...compiled.diagnostics.filter((d) => d.severity === 'error'));
    const job = compiled.value?.desired.backup;
    if (!job || job.paths.length === 0) continue;
    vms.push({
      address: vm.address,
      customer: vm.customer,
      environment: vm.environment,
      name: vm.name,
      schedule: job.schedule,
      retentionDays: job.retentionDays,
    });
  }
  if (diagnostics.length > 0) {
    await server.close();
    throw new DiagnosticsError(diagnostics);
  }
  return { server, vms, timeZone: repo.provider.maintenance.timezone };
}
