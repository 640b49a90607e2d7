// The engine's own surface beyond the recorded answers: where values come from, --explain,
// diagnostics with positions (hiera.yaml, data files, checkDataFiles), parsing once per process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { checkDataFiles, loadHiera, renderExplain } from '../../src/hiera/index.js';

const cases = resolve(import.meta.dirname, 'cases');
const facts = (c: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(cases, c, 'facts.json'), 'utf8')) as Record<string, unknown>;

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'aare-hiera-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

const THREE = `version: 5
hierarchy:
  - name: "Per VM"
    path: "vm/%{facts.vm}.yaml"
  - name: "Common"
    path: "common.yaml"
`;

test('a found value tells the file, level and line it came from', () => {
  const dir = 'merge_deep_knockout_new_key';
  const { value: hiera, diagnostics } = loadHiera(join(cases, dir, 'hiera.yaml'));
  assert.deepEqual(diagnostics, []);
  const r = hiera.lookup('users', { facts: facts(dir), merge: 'deep' });
  assert.ok('found' in r && r.found);
  assert.deepEqual(
    r.sources.map((s) => [s.path, s.level, s.line]),
    [
      ['data/vm/vm0042.yaml', 'Per VM', 1],
      ['data/common.yaml', 'Common', 1],
    ],
  );
  const first = hiera.lookup('users', { facts: facts(dir) });
  assert.ok('found' in first && first.found);
  assert.deepEqual(
    first.sources.map((s) => s.level),
    ['Per VM'],
  );
});

test('--explain lists every level and file, found or not, and the merge', () => {
  const dir = 'merge_deep_knockout_new_key';
  const { value: hiera } = loadHiera(join(cases, dir, 'hiera.yaml'));
  const r = hiera.lookup('users', { facts: facts(dir), merge: 'deep', explain: true });
  assert.ok(r.explain);
  const text = renderExplain(r.explain);
  assert.match(text, /^Searching for "lookup_options"$/m);
  assert.match(text, /^Searching for "users"$/m);
  assert.match(
    text,
    /Hierarchy entry "Per customer"\n\s+Path ".*data\/customer\/acme.yaml"\n\s+Original path: "customer\/%\{facts.customer\}.yaml"\n\s+Path not found/,
  );
  assert.match(text, /Merge strategy deep/);
  assert.match(text, /Found key: "users" value: \{\n\s+"root" => \{/);
  assert.match(text, /Merged result: /);
  assert.match(
    text,
    /Value from data\/vm\/vm0042.yaml:1:1 \(level 'Per VM'\), data\/common.yaml:1:1 \(level 'Common'\)/,
  );
});

test('hiera.yaml mistakes are diagnostics with positions, and lookups answer with them', () => {
  const dir = tree({
    'hiera.yaml':
      'version: 5\nhierarchy:\n  - name: A\n    path: a.yaml\n    colour: blue\n  - name: A\n    glob: "*.yaml"\n    path: b.yaml\n',
  });
  try {
    const { value: hiera, diagnostics } = loadHiera(join(dir, 'hiera.yaml'));
    const lines = diagnostics.map(
      (d) => `${d.code} ${d.source?.start.line}:${d.source?.start.col} ${d.summary}`,
    );
    assert.ok(
      lines.some((l) => l.startsWith("HIERA_CONFIG 5:5 unrecognized key 'colour'")),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => /^HIERA_CONFIG 6:5 Hierarchy name 'A' defined more than once/.test(l)),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => /^HIERA_CONFIG 6:5 Only one of path, paths, glob/.test(l)),
      lines.join('\n'),
    );
    const r = hiera.lookup('x', { facts: {} });
    assert.ok('error' in r && r.error.code === 'HIERA_CONFIG');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a broken data file fails every lookup, with its position', () => {
  const dir = tree({
    'hiera.yaml': THREE,
    'data/vm/v1.yaml': 'a: 1\n',
    'data/common.yaml': 'ok: 1\nbad: [1, 2\n',
  });
  try {
    const { value: hiera } = loadHiera(join(dir, 'hiera.yaml'));
    const r = hiera.lookup('a', { facts: { vm: 'v1' } });
    assert.ok('error' in r, JSON.stringify(r));
    assert.equal(r.error.code, 'HIERA_DATA');
    assert.equal(r.error.source?.file, join(dir, 'data/common.yaml'));
    assert.equal(r.error.source?.start.line, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('interpolation loops are reported with the keys of the loop', () => {
  const dir = tree({
    'hiera.yaml': THREE,
    'data/common.yaml': `a: "%{lookup('b')}"\nb: "x%{alias('a')}"\nc: "%{lookup('c')}"\n`,
  });
  try {
    const { value: hiera } = loadHiera(join(dir, 'hiera.yaml'));
    const r = hiera.lookup('c', { facts: {} });
    assert.ok('error' in r);
    assert.equal(r.error.code, 'HIERA_RECURSION');
    assert.match(r.error.summary, /Recursive lookup detected in \[c\]/);
    const alias = hiera.lookup('a', { facts: {} });
    assert.ok('error' in alias);
    assert.match(
      alias.error.summary,
      /'alias' interpolation is only permitted if the expression is equal to the entire string/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('data files are parsed once per process; a loaded hierarchy serves many facts', () => {
  const dir = tree({
    'hiera.yaml': THREE,
    'data/vm/v1.yaml': 'port: 1\n',
    'data/vm/v2.yaml': 'port: 2\n',
    'data/common.yaml': 'port: 0\n',
  });
  try {
    const { value: hiera } = loadHiera(join(dir, 'hiera.yaml'));
    const get = (vm: string): unknown => {
      const r = hiera.lookup('port', { facts: { vm } });
      return 'found' in r && r.found ? r.value : r;
    };
    assert.equal(get('v1'), 1);
    writeFileSync(join(dir, 'data/vm/v1.yaml'), 'port: 99\n');
    assert.equal(get('v1'), 1, 'the file was read once');
    assert.equal(get('v2'), 2);
    assert.equal(get('v3'), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checkDataFiles reports every reachable file with problems, with positions', () => {
  const dir = tree({
    'hiera.yaml': `version: 5
hierarchy:
  - name: VM
    path: "vm/%{facts.customer}/%{facts.vm}.yaml"
  - name: Common
    path: common.yaml
`,
    'data/vm/acme/a.yaml': 'x: [1, 2\n',
    'data/vm/acme/b.yaml': '- just\n- a list\n',
    'data/vm/globex/c.yaml': 'ok: 1\nmotd: "hi %{upcase(\'x\')}"\nwhen: 2024-01-31\n',
    'data/common.yaml': 'a: 1\na: 2\nlisten: "0.0.0.0:%{alias(\'port\')}"\n',
  });
  try {
    const { value: hiera } = loadHiera(join(dir, 'hiera.yaml'));
    const found = checkDataFiles(hiera).map(
      (d) => `${d.severity} ${d.code} ${d.source?.file}:${d.source?.start.line} ${d.summary}`,
    );
    const has = (re: RegExp): void =>
      assert.ok(
        found.some((l) => re.test(l)),
        `${re}\n${found.join('\n')}`,
      );
    has(/^error HIERA_DATA data\/vm\/acme\/a.yaml:2 Unable to parse/);
    has(/^error HIERA_DATA data\/vm\/acme\/b.yaml:1 the file does not contain a hash/);
    has(/^error HIERA_DATA data\/vm\/globex\/c.yaml:3 .*Date/);
    has(/^warning YAML_DUPLICATE_KEY data\/common.yaml:2 key 'a' is given twice/);
    has(/^error HIERA_INTERPOLATION data\/common.yaml:3 'alias' interpolation must be the entire string/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checkDataFiles finds unknown interpolation functions', () => {
  const dir = tree({ 'hiera.yaml': THREE, 'data/common.yaml': 'ok: 1\nmotd: "hi %{upcase(\'x\')}"\n' });
  try {
    const { value: hiera } = loadHiera(join(dir, 'hiera.yaml'));
    const found = checkDataFiles(hiera);
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0]!.code, 'HIERA_INTERPOLATION');
    assert.deepEqual(found[0]!.source, { file: 'data/common.yaml', start: { line: 2, col: 7 } });
    assert.match(found[0]!.summary, /unknown interpolation function 'upcase'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
