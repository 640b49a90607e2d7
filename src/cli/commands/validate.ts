// `aare validate`: load the whole control repository and report every mistake at once.
import type { Command } from 'commander';
import { action, EXIT, oneOf, printDiagnostics } from '../cli-run.js';
import { hasErrors, sortDiagnostics } from '../../diag/index.js';
import { controlRepoFlag, repoAliasFlag, relativeToCwd, requireControlRepoDir, withApp } from '../cli-app.js';
import type { ControlRepoFlags } from '../cli-app.js';

export function register(program: Command): void {
  program
    .command('validate')
    .description('check the control repository: schemas, references, names, networks, Puppet types')
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .option('--format <format>', 'text or json', 'text')
    .action(
      action(async (opts: ControlRepoFlags & { format: string }) => {
        const format = oneOf('--format', opts.format, ['text', 'json'] as const);
        requireControlRepoDir(opts.controlRepo);
        // validation reports every mistake of the model, Hiera and every VM's compile at once
        const { validateControlRepo } = await import('../../compile/index.js');
        const {
          value: { controlRepo },
          diagnostics,
        } = await withApp(opts, (app) =>
          Promise.resolve(validateControlRepo({ controlRepo: app.loadControlRepo(), hiera: app.loadHiera })),
        );
        const failed = hasErrors(diagnostics);
        if (format === 'json') {
          const out = {
            valid: !failed,
            repo: opts.controlRepo,
            diagnostics: sortDiagnostics(diagnostics),
            counts: failed
              ? undefined
              : {
                  profiles: controlRepo.profiles.size,
                  roles: controlRepo.roles.size,
                  customers: controlRepo.customers.size,
                  vms: controlRepo.vms.length,
                },
          };
          process.stdout.write(JSON.stringify(out, null, 2) + '\n');
        } else {
          printDiagnostics(relativeToCwd(opts.controlRepo, diagnostics));
          const errors = diagnostics.filter((d) => d.severity === 'error').length;
          if (failed) process.stderr.write(`${errors} error${errors === 1 ? '' : 's'}\n`);
          else
            process.stdout.write(
              `${opts.controlRepo}: valid (${controlRepo.resellers.size} resellers, ${controlRepo.customers.size} customers, ` +
                `${controlRepo.vms.length} VMs, ${controlRepo.roles.size} roles, ${controlRepo.profiles.size} profiles, ` +
                `${controlRepo.packages.size} packages)\n`,
            );
        }
        return failed ? EXIT.failed : EXIT.ok;
      }),
    );
}
