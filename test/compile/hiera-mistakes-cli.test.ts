// A mistake in Hiera data that every VM trips over is one diagnostic from `aare validate`, at
// its place in the data file, with no echoes from the VMs' templates. The real `puppet lookup`
// 7 on the same data is the oracle that it is a mistake at all (and for Puppet's wording).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadControlRepo, vmFacts } from '../../src/model/index.js';
import { ensureBuilt, projectRoot, puppetAvailable } from './puppet-harness.js';

const demo = join(projectRoot, 'examples/demo');

/** A copy of the example control repository with data/common.yaml edited by `edit`. */
function demoWith(edit: (common: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'aare-hiera-mistake-'));
  cpSync(demo, dir, { recursive: true });
  const common = join(dir, 'data/common.yaml');
  const before = readFileSync(common, 'utf8');
  const after = edit(before);
  assert.notEqual(after, before, 'the mistake is written');
  writeFileSync(common, after);
  return dir;
}

function validate(repo: string): { status: number | null; lines: string[] } {
  ensureBuilt();
  const r = spawnSync(process.execPath, [join(projectRoot, 'bin/aare.mjs'), 'validate', '--repo', repo], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  const lines = `${r.stdout}${r.stderr}`.split('\n').filter((l) => /\b(error|warning) [A-Z_]+:/.test(l));
  return { status: r.status, lines };
}

/** The real `puppet lookup` of `key` for the example's first VM, with the copy's hiera.yaml. */
function puppetLookup(repo: string, key: string): { status: number | null; output: string } {
  const controlRepo = loadControlRepo(repo).value;
  const vm = controlRepo.vms[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'aare-puppet-lookup-'));
  const facts = join(dir, 'facts.json');
  writeFileSync(facts, JSON.stringify(vmFacts(controlRepo, vm)));
  const flags = ['confdir', 'codedir', 'vardir', 'logdir', 'rundir'].flatMap((d) => [`--${d}`, join(dir, d)]);
  const r = spawnSync(
    'puppet',
    [
      'lookup',
      ...flags,
      '--hiera_config',
      join(repo, 'hiera.yaml'),
      '--node',
      vm.fqdn,
      '--facts',
      facts,
      key,
    ],
    { encoding: 'utf8' },
  );
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const lines = (text: string) => text.split('\n');
const lineOf = (repo: string, needle: string) =>
  lines(readFileSync(join(repo, 'data/common.yaml'), 'utf8')).findIndex((l) => l.includes(needle)) + 1;

test('an unknown merge strategy in lookup_options: one diagnostic, at the entry’s merge', () => {
  const repo = demoWith((t) =>
    t.replace(
      '  profile::monitoring_agent::checks:\n    merge: unique',
      '  profile::monitoring_agent::checks:\n    merge: hashh',
    ),
  );
  const r = validate(repo);
  assert.equal(r.status, 1);
  const line = lineOf(repo, 'merge: hashh');
  assert.equal(r.lines.length, 1, r.lines.join('\n'));
  assert.match(
    r.lines[0]!,
    new RegExp(`(^|/)data/common\\.yaml:${line}:12: error HIERA_MERGE: Unknown merge strategy: 'hashh'`),
  );
});

test('an alias cycle between two keys: one diagnostic, at the interpolation that closes it', () => {
  const repo = demoWith((t) =>
    t.replace(
      /^profile::monitoring_agent::server: .*$/m,
      `profile::monitoring_agent::server: "%{alias('monitoring::server')}"\nmonitoring::server: "%{alias('profile::monitoring_agent::server')}"`,
    ),
  );
  const r = validate(repo);
  assert.equal(r.status, 1);
  const line = lineOf(repo, 'monitoring::server: ');
  assert.equal(r.lines.length, 1, r.lines.join('\n'));
  assert.match(
    r.lines[0]!,
    new RegExp(
      `(^|/)data/common\\.yaml:${line}:21: error HIERA_RECURSION: Recursive lookup detected in \\[profile::monitoring_agent::server, monitoring::server\\]`,
    ),
  );
});

test('real Puppet 7 refuses both mistakes with the same words', { skip: puppetAvailable() }, () => {
  const merge = demoWith((t) => t.replace('    merge: unique', '    merge: hashh'));
  const m = puppetLookup(merge, 'profile::monitoring_agent::checks');
  assert.notEqual(m.status, 0);
  assert.match(m.output, /Unknown merge strategy: 'hashh'/);
  const cycle = demoWith((t) =>
    t.replace(
      /^profile::monitoring_agent::server: .*$/m,
      `profile::monitoring_agent::server: "%{alias('monitoring::server')}"\nmonitoring::server: "%{alias('profile::monitoring_agent::server')}"`,
    ),
  );
  const c = puppetLookup(cycle, 'profile::monitoring_agent::server');
  assert.notEqual(c.status, 0);
  assert.match(
    c.output,
    /Recursive lookup detected in \[profile::monitoring_agent::server, monitoring::server\]/,
  );
});
