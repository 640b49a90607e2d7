// `aare demo`: the main job on the embedded demo control repository, step by step, through the
// same commands a user runs by hand. Each step is its own `aare` process so that what the demo
// shows is exactly what those commands do.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { action, EXIT } from '../cli-run.js';
import { controlRepoFlag, repoAliasFlag } from '../cli-app.js';

interface Step {
  title: string;
  args: string[];
  /** the command that must exist in this build for the step to run */
  needs: string;
  /** steps that talk to the lab's real services */
  lab?: boolean;
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
        const repo = opts.controlRepo;
        const available = new Set(program.commands.map((c) => c.name()));
        const steps: Step[] = [
          { title: 'Validate the control repository', args: ['validate', '--repo', repo], needs: 'validate' },
          { title: 'The customers', args: ['show', 'customers', '--repo', repo], needs: 'show' },
          { title: 'The VMs', args: ['show', 'vms', '--repo', repo], needs: 'show' },
          {
            title: 'Compile every VM (cloud-init, Puppet ENC, resource needs)',
            args: ['compile', '--all', '--repo', repo, '--out', `${repo}/.aare/compiled`],
            needs: 'compile',
          },
          {
            title: 'Build the customer packages from their git tags',
            args: ['package', 'build', '--all-new-tags', '--repo', repo],
            needs: 'package',
          },
          ...['muster-ag', 'bergbahn-ag'].map((customer) => ({
            title: `Move ${customer}'s test distribution to the new packages`,
            args: ['repo', 'distribute', customer, 'test', '--repo', repo],
            needs: 'repo',
          })),
          {
            title: 'Repository distributions',
            args: ['repo', 'distributions', '--repo', repo],
            needs: 'repo',
          },
          {
            title: 'Start the local lab (real OpenStack and services)',
            args: ['lab', 'up'],
            needs: 'lab',
            lab: true,
          },
          { title: 'Plan the infrastructure', args: ['plan', '--repo', repo], needs: 'plan', lab: true },
          { title: 'Apply the plan', args: ['apply', '--repo', repo, '--yes'], needs: 'apply', lab: true },
          {
            title: 'Plan again: nothing left to do',
            args: ['plan', '--repo', repo],
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
          const env = step.lab ? labEnv(self) : process.env;
          const result = spawnSync(process.execPath, [self, ...step.args], { stdio: 'inherit', env });
          if (result.status !== 0) {
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
