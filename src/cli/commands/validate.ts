// `aare validate`: load the whole control repository and report every mistake at once.
import { existsSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import type { Command } from 'commander';
import { action, EXIT, oneOf, printDiagnostics, UsageError } from '../cli-run.js';
import { hasErrors, sortDiagnostics } from '../../diag/index.js';
import type { Diagnostic } from '../../diag/index.js';

export function register(program: Command): void {
  program
    .command('validate')
    .description('check the control repository: schemas, references, names, networks, Puppet types')
    .option('--repo <dir>', 'the control repository', '.')
    .option('--format <format>', 'text or json', 'text')
    .action(
      action(async (opts: { repo: string; format: string }) => {
        const format = oneOf('--format', opts.format, ['text', 'json'] as const);
        requireRepoDir(opts.repo);
        const { validateRepository } = await import('../../compile/index.js');
        const {
          value: { repo },
          diagnostics,
        } = validateRepository(opts.repo);
        const failed = hasErrors(diagnostics);
        if (format === 'json') {
          const out = {
            valid: !failed,
            repo: opts.repo,
            diagnostics: sortDiagnostics(diagnostics),
            counts: failed
              ? undefined
              : {
                  profiles: repo.profiles.size,
                  roles: repo.roles.size,
                  customers: repo.customers.size,
                  vms: repo.vms.length,
                },
          };
          process.stdout.write(JSON.stringify(out, null, 2) + '\n');
        } else {
          printDiagnostics(relativeToCwd(opts.repo, diagnostics));
          const errors = diagnostics.filter((d) => d.severity === 'error').length;
          if (failed) process.stderr.write(`${errors} error${errors === 1 ? '' : 's'}\n`);
          else
            process.stdout.write(
              `${opts.repo}: valid (${repo.resellers.size} resellers, ${repo.customers.size} customers, ` +
                `${repo.vms.length} VMs, ${repo.roles.size} roles, ${repo.profiles.size} profiles, ` +
                `${repo.packages.size} packages)\n`,
            );
        }
        return failed ? EXIT.failed : EXIT.ok;
      }),
    );
}

/** `--repo` must name a directory: anything else is a usage error (exit 2), not a finding. */
export function requireRepoDir(dir: string): void {
  if (!existsSync(dir)) throw new UsageError(`--repo ${dir}: no such directory`);
  if (!statSync(dir).isDirectory()) throw new UsageError(`--repo ${dir}: not a directory`);
}

/** Paths as the user can open them from where they ran the command. */
export function relativeToCwd(repo: string, diagnostics: readonly Diagnostic[]): Diagnostic[] {
  if (repo === '.' || repo === './') return [...diagnostics];
  return diagnostics.map((d) =>
    d.source ? { ...d, source: { ...d.source, file: posix.join(repo, d.source.file) } } : d,
  );
}
