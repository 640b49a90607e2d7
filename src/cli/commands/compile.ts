// `aare compile CUSTOMER/ENV/VM | --all`: a VM's cloud-init user-data, Puppet ENC and desired
// state. With --out DIR every VM gets DIR/<customer>/<env>/<vm>/{user-data,enc.yaml,desired.json};
// nothing is written when any VM fails to compile. JSON is the default: one document for a VM, and
// for --all NDJSON (one VM per line), so that a reader can stream it.
import type { Command } from 'commander';
import { DiagnosticsError, hasErrors } from '../../diag/index.js';
import { action, oneOf, printDiagnostics, UsageError } from '../cli-run.js';
import { controlRepoFlag, repoAliasFlag, relativeToCwd, requireControlRepoDir, withApp } from '../cli-app.js';
import type { ControlRepoFlags } from '../cli-app.js';

const formats = ['json', 'cloud-init', 'enc'] as const;

interface CompileOptions extends ControlRepoFlags {
  all?: boolean;
  format: string;
  out?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('compile')
    .description('compile VMs: cloud-init user-data, Puppet ENC and desired state (resource needs)')
    .argument('[address]', 'the VM as customer/environment/vm')
    .option('--all', 'compile every VM of the control repository (as JSON: NDJSON, one VM per line)')
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .option('--format <format>', `what to print: ${formats.join(', ')}`, 'json')
    .option('--out <dir>', 'write user-data, enc.yaml and desired.json per VM under this directory')
    .option('--json', 'print JSON (--format json): with --all NDJSON, one VM per line; failures as JSON')
    .action(
      action(async (address: string | undefined, opts: CompileOptions) => {
        const format = oneOf('--format', opts.format, formats);
        if (opts.json && format !== 'json')
          throw new UsageError(`--json prints JSON: drop --format ${format}`);
        if ((address === undefined) === !opts.all)
          throw new UsageError('give a VM address (customer/env/vm) or --all');
        if (opts.all && !opts.out && format !== 'json')
          throw new UsageError(
            `--all prints NDJSON (one VM per line); for --format ${format} give --out DIR`,
          );
        const { compileAllInto, compileControlRepo, writeCompiled, compiledFiles, compiledForDisplay } =
          await import('../../compile/index.js');
        requireControlRepoDir(opts.controlRepo);
        if (opts.all && opts.out) {
          // many VMs: compiled and written by worker threads (each loads the control repository
          // itself: a worker cannot share this process's app context, only its settings)
          const out = opts.out;
          const r = await withApp(opts, (app) =>
            compileAllInto(opts.controlRepo, out, {
              ...(app.config.compileThreads ? { threads: app.config.compileThreads } : {}),
            }),
          );
          const diagnostics = relativeToCwd(opts.controlRepo, r.diagnostics);
          if (hasErrors(diagnostics)) throw new DiagnosticsError(diagnostics);
          printDiagnostics(diagnostics);
          process.stderr.write(`compiled ${r.value} VM${r.value === 1 ? '' : 's'} into ${opts.out}\n`);
          return;
        }
        const result = await withApp(opts, (app) =>
          Promise.resolve(
            compileControlRepo(
              { controlRepo: app.loadControlRepo(), hiera: app.loadHiera },
              opts.all ? { all: true } : { address: address! },
            ),
          ),
        );
        // paths as the user can open them from where the command ran
        const diagnostics = relativeToCwd(opts.controlRepo, result.diagnostics);
        if (hasErrors(diagnostics)) throw new DiagnosticsError(diagnostics);
        printDiagnostics(diagnostics);
        const compiled = result.value;
        if (opts.out) {
          await writeCompiled(opts.out, compiled);
          process.stderr.write(
            `compiled ${compiled.length} VM${compiled.length === 1 ? '' : 's'} into ${opts.out}\n`,
          );
          return;
        }
        for (const vm of compiled) {
          const files = compiledFiles(vm);
          if (format === 'cloud-init') process.stdout.write(files.userData);
          else if (format === 'enc') process.stdout.write(files.encYaml);
          // JSON is for looking at and for tools: secrets show as their digest
          // (docs/hiera-eyaml.md); the user-data and ENC formats carry them for the VM
          else if (opts.all) process.stdout.write(JSON.stringify(compiledForDisplay(vm)) + '\n');
          else process.stdout.write(JSON.stringify(compiledForDisplay(vm), null, 2) + '\n');
        }
      }),
    );
}
