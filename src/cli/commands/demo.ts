// `aare demo`: the main job on the embedded demo control repository, step by step, through the
// same commands a user runs by hand. Each step is its own `aare` process so that what the demo
// shows is exactly what those commands do. Before a step that runs external programs, the demo
// makes sure they are installed (as root it installs the lab's package lists for them), so that a
// fresh machine gets through every step or stops with a diagnostic that says what to install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { labAreasOf, missingTools, toolMissing } from '../../diag/index.js';
import type { ExternalToolName } from '../../diag/index.js';
import { action, EXIT, printDiagnostics } from '../cli-run.js';
import { controlRepoFlag, repoAliasFlag, withApp } from '../cli-app.js';

interface Step {
  title: string;
  args: string[];
  /** the command that must exist in this build for the step to run */
  needs: string;
  /** steps that talk to the lab's real services */
  lab?: boolean;
  /** external programs the step runs */
  tools?: ExternalToolName[];
  /** exit codes besides 0 that are an answer, not a failure (e.g. 3: backups are late) */
  answers?: number[];
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('run the main job on the demo control repository (examples/demo), on the local lab')
    .addOption(controlRepoFlag('the control repository', defaultDemoRepo()))
    .addOption(repoAliasFlag())
    .option('--no-lab', 'skip the steps that need the local lab (OpenStack and the other real services)')
    .action(
      action(async (opts: { controlRepo: string; lab: boolean }) => {
        const controlRepo = opts.controlRepo;
        // the steps are their own processes; the demo reads the configuration they will read
        const { buildSandbox } = await withApp(opts, async (app) => Promise.resolve(app.config));
        const available = new Set(program.commands.map((c) => c.name()));
        const steps: Step[] = [
          {
            title: 'Validate the control repository',
            args: ['validate', '-C', controlRepo],
            needs: 'validate',
          },
          { title: 'The customers', args: ['show', 'customers', '-C', controlRepo], needs: 'show' },
          { title: 'The VMs', args: ['show', 'vms', '-C', controlRepo], needs: 'show' },
          {
            title: 'Compile every VM (cloud-init, Puppet ENC, resource needs)',
            args: ['compile', '--all', '-C', controlRepo, '--out', `${controlRepo}/.aare/compiled`],
            needs: 'compile',
          },
          {
            title: 'Build the customer packages from their git tags',
            args: ['package', 'build', '--all-new-tags', '-C', controlRepo],
            needs: 'package',
            tools: packagingTools(buildSandbox),
          },
          ...['muster-ag', 'bergbahn-ag'].map((customer) => ({
            title: `Move ${customer}'s test distribution to the new packages`,
            args: ['repo', 'distribute', customer, 'test', '-C', controlRepo],
            needs: 'repo',
          })),
          {
            title: 'Repository distributions',
            args: ['repo', 'distributions', '-C', controlRepo],
            needs: 'repo',
          },
          {
            title: 'Start the local lab (real OpenStack and services)',
            args: ['lab', 'up'],
            needs: 'lab',
            lab: true,
          },
          { title: 'Plan the infrastructure', args: ['plan', '-C', controlRepo], needs: 'plan', lab: true },
          {
            title: 'Apply the plan',
            // the lab has no customers to keep windows for: a second demo run, after an upgrade that
            // changes the VMs' user-data, would otherwise be refused outside production windows
            // (the override is recorded in the audit log, as every emergency is)
            args: [
              'apply',
              '-C',
              controlRepo,
              '--yes',
              '--emergency',
              '--reason',
              'aare demo on the local lab',
            ],
            needs: 'apply',
            lab: true,
          },
          {
            title: "muster-ag's DNS records, as PowerDNS answers them",
            args: ['dns', 'records', '--customer', 'muster-ag', '-C', controlRepo],
            needs: 'dns',
            lab: true,
          },
          {
            // the lab's VMs never boot (Nova's fake driver), so every job is reported late (exit 3)
            title: "muster-ag's backup repositories and each VM's last backup",
            args: ['backup', 'status', '--customer', 'muster-ag', '-C', controlRepo],
            needs: 'backup',
            lab: true,
            answers: [3],
          },
          {
            title: 'Plan again: nothing left to do',
            args: ['plan', '-C', controlRepo],
            needs: 'plan',
            lab: true,
          },
        ];
        const self = process.argv[1] ?? fileURLToPath(new URL('../../bin/aare.mjs', import.meta.url));
        for (const [i, step] of steps.entries()) {
          const head = `\n== ${i + 1}/${steps.length} ${step.title}\n$ aare ${step.args.join(' ')}\n`;
          if (!available.has(step.needs)) continue;
          if (step.lab && !opts.lab) {
            process.stdout.write(`${head}(skipped: --no-lab)\n`);
            continue;
          }
          process.stdout.write(head);
          if (!ensureTools(self, step.tools ?? [])) {
            process.stderr.write(
              `aare demo: step ${i + 1} (${step.title}) needs programs that are not installed\n`,
            );
            return EXIT.failed;
          }
          const env = step.lab ? labEnv(self) : process.env;
          const result = spawnSync(process.execPath, [self, ...step.args], { stdio: 'inherit', env });
          if (result.status !== 0 && !(step.answers ?? []).includes(result.status ?? -1)) {
            process.stderr.write(
              `aare demo: step ${i + 1} (${step.title}) failed with exit ${result.status ?? 'signal'}\n`,
            );
            return EXIT.failed;
          }
        }
        process.stdout.write('\nDemo done.\n');
        return EXIT.ok;
      }),
    );
}

/** What `aare package build` runs: git, rpmbuild and, unless the sandbox is turned off, bwrap. */
function packagingTools(buildSandbox: 'on' | 'off'): ExternalToolName[] {
  return buildSandbox === 'off' ? ['git', 'rpmbuild'] : ['git', 'rpmbuild', 'bwrap'];
}

/**
 * True when every tool is on PATH. Missing ones are installed first when running as root
 * (`aare lab install <area>`: the lab's package list for each); otherwise, or if that did not help,
 * the TOOL_MISSING diagnostics are printed.
 */
function ensureTools(self: string, tools: ExternalToolName[]): boolean {
  let missing = missingTools(tools);
  if (missing.length && process.getuid?.() === 0) {
    const areas = labAreasOf(missing);
    process.stdout.write(`(installing ${missing.join(', ')}: aare lab install ${areas.join(' ')})\n`);
    spawnSync(process.execPath, [self, 'lab', 'install', ...areas], { stdio: 'inherit' });
    missing = missingTools(tools);
  }
  printDiagnostics(missing.map((t) => toolMissing(t)));
  return missing.length === 0;
}

function defaultDemoRepo(): string {
  // dist/aare.mjs (bundle) or src/cli/commands/demo.ts: the demo sits at the package root
  for (const rel of ['../examples/demo', '../../../examples/demo']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  return 'examples/demo';
}

/** Later steps need the lab's endpoints; `aare lab env` prints them as shell exports once it is up. */
function labEnv(self: string): NodeJS.ProcessEnv {
  const out = spawnSync(process.execPath, [self, 'lab', 'env'], { encoding: 'utf8' });
  if (out.status !== 0) return process.env;
  const vars: Record<string, string> = {};
  for (const line of out.stdout.split('\n')) {
    const m = /^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined) vars[m[1]] = m[2].replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1');
  }
  return { ...process.env, ...vars };
}
