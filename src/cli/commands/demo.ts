// `aare demo`: the main job on the embedded demo control repository, step by step, through the
// same commands a user runs by hand. Each step is its own `aare` process so that what the demo
// shows is exactly what those commands do. Before a step that runs external programs, the demo
// makes sure they are installed (as root it installs the lab's package lists for them), so that a
// fresh machine gets through every step or stops with a diagnostic that says what to install.
// After the main job the demo walks one maintenance month (docs/maintenance.md) on a fixed
// calendar, each step at its own AARE_NOW: the freeze, test, one customer accepting and one
// rejecting, and promotion refused for the gap, then allowed in the customer's window.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { labAreasOf, missingTools, toolMissing } from '../../diag/index.js';
import type { Diagnostic, ExternalToolName } from '../../diag/index.js';
import { action, EXIT, printDiagnostics } from '../cli-run.js';
import { controlRepoFlag, repoAliasFlag, withApp } from '../cli-app.js';

/** In a month step's args: the release the freeze step made (read from its JSON). */
const RELEASE = '<release>';

interface Step {
  title: string;
  /** RELEASE stands for the name of the release the freeze step made */
  args: string[];
  /** the command that must exist in this build for the step to run */
  needs: string;
  /** steps that talk to the lab's real services */
  lab?: boolean;
  /** external programs the step runs */
  tools?: ExternalToolName[];
  /** exit codes besides 0 that are an answer, not a failure (e.g. 3: backups are late) */
  answers?: number[];
  /** AARE_NOW for the step (ISO time with offset): the month's steps walk a fixed calendar */
  now?: string;
  /** a step of the maintenance month: runs only when the freeze made a release */
  month?: boolean;
  /** the freeze (run with --json): its stdout names the release */
  freezes?: boolean;
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
          ...monthSteps(controlRepo),
        ];
        const self = process.argv[1] ?? fileURLToPath(new URL('../../bin/aare.mjs', import.meta.url));
        let release: string | undefined;
        for (const [i, step] of steps.entries()) {
          if (!available.has(step.needs)) continue;
          if (step.month && !step.freezes && release === undefined) continue;
          const args = step.args.map((a) => (a === RELEASE && release !== undefined ? release : a));
          const clock = step.now ? `AARE_NOW=${step.now} ` : '';
          const head = `\n== ${i + 1}/${steps.length} ${step.title}\n$ ${clock}aare ${args.map(shellWord).join(' ')}\n`;
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
          const env = {
            ...(step.lab ? labEnv(self) : process.env),
            ...(step.now ? { AARE_NOW: step.now } : {}),
          };
          const failed = (status: number | null) => {
            process.stderr.write(
              `aare demo: step ${i + 1} (${step.title}) failed with exit ${status ?? 'signal'}\n`,
            );
            return EXIT.failed;
          };
          if (step.freezes) {
            const frozen = runFreeze(self, args, env);
            if (frozen.release !== undefined) release = frozen.release;
            else if (frozen.dirty)
              // a demo run from a copy that is not committed still shows everything before the month
              process.stdout.write(
                `(skipping the maintenance month, steps ${i + 2}-${steps.length}: a release names the commit of the control repository, and ${controlRepo} is not committed in git)\n`,
              );
            else return failed(frozen.status);
            continue;
          }
          const result = spawnSync(process.execPath, [self, ...args], { stdio: 'inherit', env });
          if (result.status !== 0 && !(step.answers ?? []).includes(result.status ?? -1))
            return failed(result.status);
        }
        process.stdout.write('\nDemo done.\n');
        return EXIT.ok;
      }),
    );
}

/**
 * One maintenance month of the demo's policy (examples/demo/aare.yaml: freeze on the 1st at 00:00,
 * production 7 days after test at the earliest, muster-ag's window from 21:00, the default one
 * from 22:00, acceptance required), in March 2027 so that the calendar is the same on every run.
 */
function monthSteps(controlRepo: string): Step[] {
  const day = (d: number, time: string) => `2027-03-${String(d).padStart(2, '0')}T${time}:00+01:00`;
  const month = { month: true, needs: 'release' };
  return [
    {
      ...month,
      title: "Freeze March's release: a snapshot of every repository and the control repository's commit",
      args: ['release', 'freeze', '--json', '-C', controlRepo],
      now: day(1, '00:05'),
      freezes: true,
    },
    { ...month, title: 'The releases', args: ['release', 'list', '-C', controlRepo], now: day(1, '00:10') },
    {
      ...month,
      title: "Deploy the release to the customers' test environments",
      args: ['release', 'deploy', RELEASE, '--env', 'test', '--yes', '-C', controlRepo],
      now: day(1, '10:00'),
      lab: true,
    },
    {
      ...month,
      title: 'What the release changes for muster-ag against its production',
      args: ['release', 'diff', RELEASE, '--customer', 'muster-ag', '--no-plan', '-C', controlRepo],
      now: day(2, '09:00'),
    },
    {
      ...month,
      title: 'muster-ag tested the release and accepts it',
      args: [
        'release',
        'accept',
        RELEASE,
        '--customer',
        'muster-ag',
        '--comment',
        'shop checkout tested on test',
        '-C',
        controlRepo,
      ],
      now: day(2, '14:00'),
    },
    {
      ...month,
      title: 'bergbahn-ag rejects it',
      args: [
        'release',
        'reject',
        RELEASE,
        '--customer',
        'bergbahn-ag',
        '--comment',
        'booking export not tested yet',
        '-C',
        controlRepo,
      ],
      now: day(2, '16:00'),
    },
    {
      // exit 1: every customer is refused (the gap, and bergbahn-ag's rejection)
      ...month,
      title: 'Promote to production on day 3: refused, the 7 days after test have not passed',
      args: ['release', 'promote', RELEASE, '--env', 'production', '--yes', '-C', controlRepo],
      now: day(3, '21:30'),
      lab: true,
      answers: [1],
    },
    {
      // exit 1: bergbahn-ag is refused, having rejected the release
      ...month,
      title: "Promote on day 8 in muster-ag's window: muster-ag moves, bergbahn-ag rejected it",
      args: ['release', 'promote', RELEASE, '--env', 'production', '--yes', '-C', controlRepo],
      now: day(8, '21:30'),
      lab: true,
      answers: [1],
    },
    {
      ...month,
      title: 'The releases: where each is deployed, who decided what',
      args: ['release', 'list', '-C', controlRepo],
      now: day(8, '23:30'),
    },
    {
      ...month,
      title: "muster-ag's month in the audit log",
      args: ['audit', '--customer', 'muster-ag', '--since', '2027-03-01', '-C', controlRepo],
      now: day(8, '23:30'),
      needs: 'audit',
    },
    {
      ...month,
      title: "Verify the audit log's hash chain",
      args: ['audit', 'verify', '-C', controlRepo],
      now: day(8, '23:30'),
      needs: 'audit',
    },
  ];
}

/**
 * Runs `aare release freeze --json` and shows what it printed (a refusal as text diagnostics). The
 * release's name comes from its JSON; `dirty` is a refusal because the control repository is not
 * committed, told by the diagnostic's code, never by its message.
 */
function runFreeze(
  self: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): { release?: string; dirty: boolean; status: number | null } {
  const result = spawnSync(process.execPath, [self, ...args], {
    stdio: ['inherit', 'pipe', 'inherit'],
    env,
    encoding: 'utf8',
  });
  let printed: { name?: unknown; errors?: unknown } = {};
  try {
    printed = (JSON.parse(result.stdout) as typeof printed | null) ?? {};
  } catch {
    // not JSON (a crash): shown as it is, and the step fails
  }
  const errors = Array.isArray(printed.errors) ? (printed.errors as Diagnostic[]) : [];
  if (errors.length) printDiagnostics(errors);
  else process.stdout.write(result.stdout);
  return {
    ...(result.status === 0 && typeof printed.name === 'string' ? { release: printed.name } : {}),
    dirty: errors.some((d) => d.code === 'CONTROL_REPO_DIRTY'),
    status: result.status,
  };
}

/** An argument as a shell needs it, so that a step's header line can be copied and run. */
function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
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
