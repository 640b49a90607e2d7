// Real Puppet (Debian's puppet 7 package; lab/packages/compile.txt installs it) for the compile
// tests: a throwaway Puppet tree whose profile classes are written from the control
// repository's profile declarations (same names, same Puppet data types, so Puppet itself
// type-checks every value Aare resolved), `puppet apply` with Aare as the ENC, and Puppet's own
// lookup on the control repository's Hiera data.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ControlRepo, Profile } from '../../src/model/index.js';
import { checkValue, formatType } from '../../src/puppet-types/index.js';

const here = dirname(fileURLToPath(import.meta.url));
export const projectRoot = resolve(here, '../..');
const fixtures = join(here, 'fixtures/puppet');

export function puppetAvailable(): string | undefined {
  try {
    execFileSync('puppet', ['--version'], { stdio: 'pipe' });
    return undefined;
  } catch {
    return 'puppet is not installed (apt-get install puppet; lab/packages/compile.txt lists it)';
  }
}

/** Makes sure bin/aare.mjs runs (npm test builds first; a single test file may not have). */
export function ensureBuilt(): void {
  if (!existsSync(join(projectRoot, 'dist/aare.mjs'))) {
    execFileSync(process.execPath, [join(projectRoot, 'scripts/build.mjs')], {
      cwd: projectRoot,
      stdio: 'pipe',
    });
  }
}

export interface PuppetTree {
  root: string;
  /** Flags every puppet command gets: a private confdir, codedir, vardir and environmentpath. */
  flags: string[];
}

/**
 * A Puppet tree with environment `production` holding: the aare_probe fixture module, one class
 * per profile (typed parameters, body records what it received) and the repository's type
 * aliases as Puppet type aliases.
 */
export function makePuppetTree(controlRepo: ControlRepo): PuppetTree {
  const root = mkdtempSync(join(tmpdir(), 'aare-puppet-'));
  const modules = join(root, 'env/production/modules');
  mkdirSync(modules, { recursive: true });
  cpSync(join(fixtures, 'modules'), modules, { recursive: true });
  for (const profile of controlRepo.profiles.values()) {
    const file = classFile(modules, profile.puppetClass);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, puppetClassSource(profile, controlRepo));
  }
  for (const [name, type] of controlRepo.typeAliases) {
    const parts = name.toLowerCase().split('::');
    const file = join(modules, parts[0]!, 'types', ...parts.slice(1, -1), `${parts[parts.length - 1]}.pp`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `type ${name} = ${formatType(type)}\n`);
  }
  for (const d of ['conf', 'code', 'var', 'log', 'run']) mkdirSync(join(root, d), { recursive: true });
  const flags = [
    '--confdir',
    join(root, 'conf'),
    '--codedir',
    join(root, 'code'),
    '--vardir',
    join(root, 'var'),
    '--logdir',
    join(root, 'log'),
    '--rundir',
    join(root, 'run'),
    '--environmentpath',
    join(root, 'env'),
    '--environment',
    'production',
  ];
  return { root, flags };
}

function classFile(modules: string, puppetClass: string): string {
  const parts = puppetClass.split('::');
  if (parts.length === 1) return join(modules, parts[0]!, 'manifests', 'init.pp');
  return join(modules, parts[0]!, 'manifests', ...parts.slice(1, -1), `${parts[parts.length - 1]}.pp`);
}

/** The class as a Puppet module would declare it: no defaults, except undef where the type allows it. */
export function puppetClassSource(profile: Profile, controlRepo: ControlRepo): string {
  const params = [...profile.parameters].map(([name, p]) => {
    const acceptsUndef = checkValue(p.type, undefined, controlRepo.typeAliases) === undefined;
    return `  ${p.typeText} $${name}${acceptsUndef ? ' = undef' : ''},`;
  });
  const record = [...profile.parameters.keys()].map((name) => `'${name}' => $${name}`).join(', ');
  return [
    `class ${profile.puppetClass} (`,
    ...params,
    ') {',
    `  aare_probe::record('${profile.puppetClass}', { ${record} })`,
    '}',
    '',
  ].join('\n');
}

/**
 * `puppet apply --noop` for `certname` with node_terminus = exec and external_nodes running
 * `aare enc --repo <repoDir>`. Returns the parameters each class received, as Puppet saw them.
 */
export async function puppetApplyWithEnc(
  tree: PuppetTree,
  repoDir: string,
  certname: string,
): Promise<{ classes: Record<string, Record<string, unknown>>; output: string; status: number | null }> {
  // Each run gets its own ENC script, vardir, logdir and rundir: puppet creates vardir/lib,
  // vardir/state, ... at start-up, and runs in parallel sharing one vardir race to mkdir them
  // ("File exists @ dir_s_mkdir"); a shared script would be rewritten while another run execs it.
  const own = mkdtempSync(join(tree.root, 'run-'));
  const private_: Record<string, string> = { '--vardir': 'var', '--logdir': 'log', '--rundir': 'run' };
  for (const d of Object.values(private_)) mkdirSync(join(own, d));
  const flags = tree.flags.map((f, i) => {
    const d = private_[tree.flags[i - 1] ?? ''];
    return d === undefined ? f : join(own, d);
  });
  const enc = join(own, 'aare-enc.sh');
  writeFileSync(
    enc,
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(projectRoot, 'bin/aare.mjs'))} enc "$1" --repo ${JSON.stringify(resolve(repoDir))}\n`,
    { mode: 0o755 },
  );
  const out = mkdtempSync(join(own, 'probe-'));
  const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
    const p = spawn(
      'puppet',
      [
        'apply',
        ...flags,
        '--node_terminus',
        'exec',
        '--external_nodes',
        enc,
        '--certname',
        certname,
        '--noop',
        '--color',
        'false',
        '--execute',
        'notice("aare enc test")',
      ],
      { env: { ...process.env, AARE_PROBE_OUT: out } },
    );
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    p.on('close', (status) => done({ status, stdout, stderr }));
  });
  const classes: Record<string, Record<string, unknown>> = {};
  for (const f of readdirSync(out)) {
    classes[f.replace(/\.json$/, '').replaceAll('__', '::')] = JSON.parse(
      readFileSync(join(out, f), 'utf8'),
    ) as Record<string, unknown>;
  }
  // facter cannot read /proc/1/environ in a container; that noise says nothing about Aare
  const output = `${r.stdout}${r.stderr}`
    .split('\n')
    .filter((l) => !l.includes('Facter: Permission denied'))
    .join('\n');
  return { classes, output, status: r.status };
}

export interface LookupCase {
  node: string;
  facts: Record<string, unknown>;
  keys: string[];
}

export type PuppetLookupAnswer = { node: string; key: string } & (
  { found: true; value: unknown } | { found: false } | { error: string }
);

/** Puppet's own lookup (global layer = `hieraConfig`) for many nodes and keys in one process. */
export function puppetLookupMany(
  tree: PuppetTree,
  hieraConfig: string,
  cases: LookupCase[],
): PuppetLookupAnswer[] {
  const dir = mkdtempSync(join(tree.root, 'lookup-'));
  const caseFile = join(dir, 'cases.json');
  writeFileSync(
    caseFile,
    JSON.stringify(
      cases.map((c, i) => {
        const factsFile = join(dir, `facts-${i}.json`);
        writeFileSync(factsFile, JSON.stringify(c.facts));
        return { node: c.node, facts_file: factsFile, keys: c.keys };
      }),
    ),
  );
  const r = spawnSync(
    'ruby',
    [join(fixtures, 'lookup-many.rb'), 'lookup', ...tree.flags, '--hiera_config', hieraConfig, 'unused'],
    { encoding: 'utf8', env: { ...process.env, AARE_LOOKUP_CASES: caseFile }, maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.status !== 0) throw new Error(`puppet lookup failed (${r.status}): ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as PuppetLookupAnswer);
}
