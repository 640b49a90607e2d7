// `aare enc CERTNAME`: Puppet's external node classifier. Puppet runs it with the node's certname
// (its FQDN) and reads the YAML on stdout; a non-zero exit makes Puppet fail the run.
import type { Command } from 'commander';
import { DiagnosticsError, hasErrors } from '../../diag/index.js';
import { action } from '../cli-run.js';
import { controlRepoFlag, repoAliasFlag, relativeToCwd, requireControlRepoDir, withApp } from '../cli-app.js';
import type { ControlRepoFlags } from '../cli-app.js';

export function register(program: Command): void {
  program
    .command('enc')
    .description(
      'print the Puppet ENC document (classes, environment, parameters) of the VM with this certname',
    )
    .argument('<certname>', "the node's certname: its FQDN")
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .action(
      action(async (certname: string, opts: ControlRepoFlags) => {
        const { compileControlRepo, compiledFiles } = await import('../../compile/index.js');
        requireControlRepoDir(opts.controlRepo);
        const result = await withApp(opts, (app) =>
          Promise.resolve(
            compileControlRepo({ controlRepo: app.loadControlRepo(), hiera: app.loadHiera }, { certname }),
          ),
        );
        if (hasErrors(result.diagnostics))
          throw new DiagnosticsError(relativeToCwd(opts.controlRepo, result.diagnostics));
        // warnings are for `aare validate`; Puppet reads only stdout and the exit code
        process.stdout.write(compiledFiles(result.value[0]!).encYaml);
      }),
    );
}
