// Puppet's value types survive compile: a whole-number Float (`4.0`) and Integer hash keys,
// read from Hiera data and from the control repository's own files, reach the ENC so that
// Puppet binds them with the same types (docs/control-repository.md, "How YAML scalars are read").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileAll, compiledFiles } from '../../src/compile/index.js';
import { formatDiagnostic } from '../../src/diag/index.js';
import { loadControlRepo } from '../../src/model/index.js';
import { PuppetFloat, isIntegerKey } from '../../src/puppet-types/index.js';
import { ensureBuilt, makePuppetTree, puppetApplyWithEnc, puppetAvailable } from './puppet-harness.js';

const small = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/small-repo');

const TUNING_PROFILE = `description: database tuning
parameters:
  random_page_cost:
    type: Float[0.5, 10.0]
  seq_page_cost:
    type: Float[0.5, 10.0]
    default: 1.0
  zones:
    type: Hash[Integer[1, 99], String[1]]
  ratio:
    type: Float
`;

/** The small fixture with a `tuning` profile in the webserver role: Floats and Integer keys in Hiera data, the role and the profile. */
function typedRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aare-typed-'));
  cpSync(small, dir, { recursive: true });
  writeFileSync(join(dir, 'profiles/tuning.yaml'), TUNING_PROFILE);
  writeFileSync(
    join(dir, 'roles/webserver.yaml'),
    [
      'description: A web server',
      'profiles: [base, web, tuning]',
      'defaults:',
      '  profile::web::workers: 2',
      '  profile::tuning::ratio: 2.0',
      '',
    ].join('\n'),
  );
  const vmData = join(dir, 'data/common.yaml');
  writeFileSync(
    vmData,
    readFileSync(vmData, 'utf8') +
      'profile::tuning::random_page_cost: 4.0\n' +
      'profile::tuning::zones:\n  1: Nordtor\n  12: Suedtor\n',
  );
  return dir;
}

function compileTyped(dir: string) {
  const loaded = loadControlRepo(dir);
  assert.deepEqual(loaded.diagnostics.map(formatDiagnostic), []);
  const r = compileAll(loaded.value);
  assert.deepEqual(r.diagnostics.map(formatDiagnostic), []);
  const web2 = r.value.find((v) => v.address === 'muster/test/web2');
  assert.ok(web2);
  return web2;
}

test('a whole-number Float and Integer keys reach the ENC with their types', () => {
  const web2 = compileTyped(typedRepo());
  const tuning = web2.enc.classes['profile::tuning']!;
  assert.deepEqual(tuning.random_page_cost, new PuppetFloat(4));
  assert.deepEqual(tuning.seq_page_cost, new PuppetFloat(1));
  assert.deepEqual(tuning.ratio, new PuppetFloat(2));
  const zones = tuning.zones as Record<string, unknown>;
  assert.ok(isIntegerKey(zones, '1') && isIntegerKey(zones, '12'));

  const { encYaml } = compiledFiles(web2);
  const block = encYaml.slice(encYaml.indexOf('  profile::tuning:'));
  assert.match(block, /^ {4}random_page_cost: 4\.0$/m);
  assert.match(block, /^ {4}seq_page_cost: 1\.0$/m);
  assert.match(block, /^ {4}ratio: 2\.0$/m);
  assert.match(block, /^ {6}1: Nordtor$/m);
  assert.match(block, /^ {6}12: Suedtor$/m);

  // JSON cannot tell 4.0 from 4, nor an Integer key from a String one
  const json = JSON.parse(JSON.stringify(web2.enc)) as { classes: Record<string, Record<string, unknown>> };
  assert.deepEqual(json.classes['profile::tuning'], {
    random_page_cost: 4,
    seq_page_cost: 1,
    zones: { 1: 'Nordtor', 12: 'Suedtor' },
    ratio: 2,
  });
});

test('Ruby reads the ENC back with Puppet’s types', { skip: rubySkip() }, () => {
  const web2 = compileTyped(typedRepo());
  const { encYaml } = compiledFiles(web2);
  // Puppet reads the ENC's output with Psych's safe_load
  const script =
    'c = YAML.safe_load(STDIN.read)["classes"]["profile::tuning"]; ' +
    'puts c.map { |k, v| [k, v.class.name, v.is_a?(Hash) ? v.keys.map { |x| x.class.name } : []].inspect }';
  const r = spawnSync('ruby', ['-ryaml', '-e', script], { input: encYaml, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), [
    '["random_page_cost", "Float", []]',
    '["seq_page_cost", "Float", []]',
    '["zones", "Hash", ["Integer", "Integer"]]',
    '["ratio", "Float", []]',
  ]);
});

test(
  'Puppet binds the ENC’s Float and Integer-keyed Hash to the typed class parameters',
  { skip: puppetAvailable() },
  async () => {
    ensureBuilt();
    const dir = typedRepo();
    const web2 = compileTyped(dir);
    const loaded = loadControlRepo(dir);
    const tree = makePuppetTree(loaded.value);
    const r = await puppetApplyWithEnc(tree, dir, web2.desired.vm.fqdn);
    // the class declares Float[0.5, 10.0] and Hash[Integer[1, 99], String[1]]: an Integer 4 or a
    // String key "1" would fail the run
    assert.equal(r.status, 0, r.output);
    assert.deepEqual(r.classes['profile::tuning'], {
      random_page_cost: 4,
      seq_page_cost: 1,
      zones: { 1: 'Nordtor', 12: 'Suedtor' },
      ratio: 2,
    });
  },
);

function rubySkip(): string | undefined {
  return spawnSync('ruby', ['-ryaml', '-e', '1']).status === 0 ? undefined : 'ruby is not installed';
}
