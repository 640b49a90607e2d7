// Hiera data written by someone else: files are read only inside hiera.yaml's tree, only as
// UTF-8, and no data (YAML aliases, interpolation) makes a lookup or a check run without bound.
// Each test is an attack that used to leak a file, hang or kill the process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkDataFiles, loadHiera } from '../../src/hiera/index.js';

function tree(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'aare-hiera-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

const CONFIG = `version: 5
defaults: {datadir: data, data_hash: yaml_data}
hierarchy:
  - name: node
    path: "nodes/%{facts.node}.yaml"
  - name: common
    path: common.yaml
`;

const MARKER = 'SECRET-MARKER-51c2';

function outsideFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'aare-outside-'));
  writeFileSync(join(dir, name), text);
  return dir;
}

function lookup(dir: string, key: string, facts: Record<string, unknown> = { node: 'n1' }) {
  const { value: hiera, diagnostics } = loadHiera(join(dir, 'hiera.yaml'));
  assert.deepEqual(diagnostics, []);
  return hiera.lookup(key, { facts });
}

function timed<T>(fn: () => T): { value: T; ms: number } {
  const t = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t };
}

test('a data file symlinked outside the tree is refused by name, and its content is never shown', () => {
  const outside = outsideFile('shadow', `root: ${MARKER}\nbad: [\n`);
  const dir = tree({ 'hiera.yaml': CONFIG, 'data/common.yaml': 'a: 1\n' });
  mkdirSync(join(dir, 'data/nodes'));
  symlinkSync(join(outside, 'shadow'), join(dir, 'data/nodes/n1.yaml'));
  const r = lookup(dir, 'root');
  assert.ok('error' in r, JSON.stringify(r));
  assert.equal(r.error.code, 'FILE_OUTSIDE_CONTROL_REPO');
  assert.equal(r.error.source?.file, join(dir, 'data/nodes/n1.yaml'));
  assert.match(r.error.summary, /outside/);
  assert.doesNotMatch(JSON.stringify(r), new RegExp(MARKER));

  const { value: hiera } = loadHiera(join(dir, 'hiera.yaml'));
  const checked = checkDataFiles(hiera);
  assert.deepEqual(
    checked.map((d) => [d.code, d.source?.file]),
    [['FILE_OUTSIDE_CONTROL_REPO', 'data/nodes/n1.yaml']],
  );
  assert.doesNotMatch(JSON.stringify(checked), new RegExp(MARKER));
});

test('a datadir folder symlinked outside the tree is refused too; a symlink inside is fine', () => {
  const outside = outsideFile('common.yaml', `a: ${MARKER}\n`);
  const dir = tree({ 'hiera.yaml': CONFIG, 'shared/common.yaml': 'a: inside\n' });
  symlinkSync(outside, join(dir, 'data'));
  const r = lookup(dir, 'a');
  assert.ok('error' in r && r.error.code === 'FILE_OUTSIDE_CONTROL_REPO', JSON.stringify(r));
  assert.doesNotMatch(JSON.stringify(r), new RegExp(MARKER));

  const ok = tree({ 'hiera.yaml': CONFIG, 'shared/common.yaml': 'a: inside\n' });
  symlinkSync(join(ok, 'shared'), join(ok, 'data'));
  assert.deepEqual(lookup(ok, 'a'), {
    found: true,
    value: 'inside',
    sources: [
      { file: join(ok, 'data/common.yaml'), path: 'data/common.yaml', level: 'common', line: 1, col: 1 },
    ],
  });
});

test('a hiera.yaml symlinked outside its folder is refused without showing it', () => {
  const outside = outsideFile('hiera.yaml', `version: ${MARKER}\n`);
  const dir = tree({});
  symlinkSync(join(outside, 'hiera.yaml'), join(dir, 'hiera.yaml'));
  const { value: hiera, diagnostics } = loadHiera(join(dir, 'hiera.yaml'));
  assert.deepEqual(
    diagnostics.map((d) => d.code),
    ['FILE_OUTSIDE_CONTROL_REPO'],
  );
  assert.doesNotMatch(JSON.stringify(diagnostics), new RegExp(MARKER));
  assert.ok('error' in hiera.lookup('x', { facts: {} }));
});

test('a data file that is not UTF-8 is refused at the line and column of the bad byte', () => {
  const bytes = Buffer.concat([Buffer.from('a: 1\nb: "caf'), Buffer.from([0xe9]), Buffer.from('"\n')]);
  const dir = tree({ 'hiera.yaml': CONFIG, 'data/common.yaml': bytes });
  const r = lookup(dir, 'a');
  assert.ok('error' in r, JSON.stringify(r));
  assert.equal(r.error.code, 'FILE_NOT_UTF8');
  assert.deepEqual(r.error.source?.start, { line: 2, col: 8 });
  assert.doesNotMatch(r.error.summary, /\uFFFD/);
  const json = tree({
    'hiera.yaml': CONFIG.replace('yaml_data', 'json_data').replace('common.yaml', 'common.json'),
    'data/common.json': Buffer.concat([Buffer.from('{"a":\n "'), Buffer.from([0xff]), Buffer.from('"}')]),
  });
  const rj = lookup(json, 'a');
  assert.ok('error' in rj && rj.error.code === 'FILE_NOT_UTF8', JSON.stringify(rj));
  assert.deepEqual(rj.error.source?.start, { line: 2, col: 3 });
});

test('a YAML alias bomb is refused at the alias that goes over, quickly, in lookups and checks', () => {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 10; i++)
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  lines.push('bomb: *a9', 'ok: 1');
  const dir = tree({ 'hiera.yaml': CONFIG, 'data/common.yaml': `${lines.join('\n')}\n` });
  const { value: r, ms } = timed(() => lookup(dir, 'ok'));
  assert.ok('error' in r, JSON.stringify(r));
  assert.equal(r.error.code, 'HIERA_LIMIT');
  assert.deepEqual(r.error.source?.start, { line: 6, col: 10 });
  assert.match(r.error.summary, /YAML aliases expand this file by more than 100000 values/);
  assert.ok(ms < 5_000, `took ${ms} ms`);
  const { value: hiera } = loadHiera(join(dir, 'hiera.yaml'));
  assert.deepEqual(
    checkDataFiles(hiera).map((d) => [d.code, d.source?.file, d.source?.start.line]),
    [['HIERA_LIMIT', 'data/common.yaml', 6]],
  );
});

test('anchors, aliases and merge keys of ordinary data still work', () => {
  const dir = tree({
    'hiera.yaml': CONFIG,
    'data/common.yaml':
      'defaults: &d {port: 80, tls: false}\nweb: {<<: *d, tls: true}\nlist: &l [a, b]\nboth: [*l, *l]\n',
  });
  assert.deepEqual((lookup(dir, 'web') as { value: unknown }).value, { port: 80, tls: true });
  assert.deepEqual((lookup(dir, 'both') as { value: unknown }).value, [
    ['a', 'b'],
    ['a', 'b'],
  ]);
});

function chain(n: number, step: (i: number) => string): string {
  const lines = ['k0: "0123456789"', 'a0: [x, y]'];
  for (let i = 1; i <= n; i++) lines.push(step(i));
  return `${lines.join('\n')}\n`;
}

test('exponential interpolation (lookup, alias) stops at its limit, naming the key looked up and its line', () => {
  const data = [
    chain(40, (i) => `k${i}: "%{lookup('k${i - 1}')}%{lookup('k${i - 1}')}"`),
    chain(40, (i) => `a${i}: ["%{alias('a${i - 1}')}", "%{alias('a${i - 1}')}"]`),
    chain(40, (i) => `k${i}: "%{hiera('k${i - 1}')}%{scope('facts.node')}%{hiera('k${i - 1}')}"`),
  ];
  const keys = ['k40', 'a40', 'k40'];
  data.forEach((text, n) => {
    const dir = tree({ 'hiera.yaml': CONFIG, 'data/common.yaml': text });
    const { value: r, ms } = timed(() => lookup(dir, keys[n]!));
    assert.ok('error' in r, JSON.stringify(r).slice(0, 300));
    assert.equal(r.error.code, 'HIERA_LIMIT');
    assert.match(r.error.summary, new RegExp(`^key '${keys[n]}': interpolation`));
    assert.equal(r.error.source?.file, join(dir, 'data/common.yaml'));
    assert.deepEqual(r.error.source?.start, { line: 42, col: 1 });
    assert.ok(ms < 5_000, `took ${ms} ms`);
  });
  // below the limit, the same data answers as Puppet does
  const dir = tree({ 'hiera.yaml': CONFIG, 'data/common.yaml': data[0]! });
  assert.deepEqual((lookup(dir, 'k3') as { value: unknown }).value, '0123456789'.repeat(8));
});

test('a few interpolations of a large value stop at the size limit', () => {
  const big = 'x'.repeat(300_000);
  const dir = tree({
    'hiera.yaml': CONFIG,
    'data/common.yaml': `big: ${big}\ns: "%{lookup('big')}%{lookup('big')}%{lookup('big')}%{lookup('big')}"\nl: ["%{alias('big')}", "%{alias('big')}", "%{alias('big')}", "%{alias('big')}"]\none: "%{lookup('big')}"\n`,
  });
  for (const key of ['s', 'l']) {
    const r = lookup(dir, key);
    assert.ok('error' in r, key);
    assert.equal(r.error.code, 'HIERA_LIMIT');
    assert.match(r.error.summary, /more than 1048576 characters/);
  }
  assert.equal((lookup(dir, 'one') as { value: string }).value.length, 300_000);
});
