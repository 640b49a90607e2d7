// Hiera data and control repository files share one scalar reading, Psych's
// (docs/control-repository.md). The expected types are what `puppet lookup` 7.23 printed for
// these scalars (test/hiera/cases/typed_psych_scalars; `.inf` from `--render-as yaml`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHieraYaml } from '../../src/hiera/index.js';
import { parseYamlFile } from '../../src/model/yaml-file.js';
import { isIntegerKey, PuppetFloat } from '../../src/puppet-types/index.js';

const SCALARS: [string, unknown][] = [
  ['y', 'y'],
  ['n', 'n'],
  ['yes', true],
  ['on', true],
  ['No', false],
  ['~', null],
  ['010', 8],
  ['0o10', '0o10'],
  ['1_000', 1000],
  ['1:30:00', 5400],
  ["'1:30:00'", '1:30:00'],
  ['.inf', Infinity],
  ['2.50', 2.5],
  ['4.0', new PuppetFloat(4)],
  ['1.0e+3', new PuppetFloat(1000)],
  ['1e3', '1e3'],
  ['0x1F', 31],
];

test('both readers type every scalar as Psych does', () => {
  for (const [text, expected] of SCALARS) {
    const doc = `v: ${text}\n`;
    const hiera = (parseHieraYaml(doc).value as { v: unknown }).v;
    const model = (parseYamlFile('f.yaml', doc).yaml?.value as { v: unknown }).v;
    assert.deepEqual(hiera, expected, `hiera: ${text}`);
    assert.deepEqual(model, expected, `control repository: ${text}`);
  }
});

test('both readers keep Integer hash keys', () => {
  const doc = 'gates: {1: Nordtor, "2": Südtor}\n';
  for (const value of [parseHieraYaml(doc).value, parseYamlFile('f.yaml', doc).yaml?.value]) {
    const gates = (value as { gates: Record<string, unknown> }).gates;
    assert.equal(isIntegerKey(gates, '1'), true);
    assert.equal(isIntegerKey(gates, '2'), false);
  }
});

test('both readers refuse an unquoted date', () => {
  const doc = 'when: 2024-01-31\n';
  assert.ok(parseHieraYaml(doc).error);
  const r = parseYamlFile('f.yaml', doc);
  assert.equal(r.yaml, undefined);
  assert.equal(r.diagnostics[0]?.code, 'YAML_SYNTAX');
  assert.equal(r.diagnostics[0]?.source?.start.line, 1);
});
