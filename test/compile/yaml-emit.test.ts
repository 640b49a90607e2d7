import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { emitYaml } from '../../src/compile/index.js';

// Strings a careless emitter gets wrong: YAML 1.1 booleans, numbers, indicators, blocks.
const tricky = [
  '',
  ' ',
  'yes',
  'No',
  'on',
  'OFF',
  'y',
  'null',
  '~',
  'true',
  '0644',
  '0x1F',
  '1_000',
  '1:20',
  '.5',
  '.inf',
  'inf',
  'nan',
  'NaN',
  '_1',
  '_',
  '_1_000',
  '-1',
  '+1',
  '1e3',
  '2026-11-25',
  'a: b',
  'a #b',
  '#c',
  '- x',
  '? x',
  '[x]',
  '{x}',
  '*alias',
  '&anchor',
  '!tag',
  '%percent',
  '@at',
  '`tick',
  '"dq"',
  "'sq'",
  '|',
  '>',
  'ALL=(ALL) NOPASSWD:ALL',
  'trailing ',
  ' leading',
  'tab\there',
  'line1\nline2',
  'ends\n',
  'two\n\n',
  '\nleading newline',
  '  indented\nsecond\n',
  'trailing space \nx',
  'ctrl\u0007bell',
  'crlf\r\nx',
  'ünïcödé ✓',
  '<<',
  '=',
  'https://repo.example.net/repos/muster-ag/test/',
  'profile::base',
  'a:',
  'a::',
  'a:b c:',
  'a :b',
  '::x',
  'x::',
  'a:#b',
  '1.3.6.1.4.1.34380.1.2.1',
  '/etc/nginx/conf.d/shop.conf',
];

function roundTrips(value: unknown): void {
  const text = emitYaml(value);
  for (const version of ['1.1', '1.2'] as const) {
    assert.deepEqual(parse(text, { version }), value, `YAML ${version} reads back:\n${text}`);
  }
}

test('every tricky string reads back as the same string, as value and as key', () => {
  for (const s of tricky) {
    roundTrips({ value: s });
    roundTrips([s]);
    roundTrips({ [s]: 1 });
    roundTrips({ nested: [{ a: s, b: [s] }] });
  }
});

test('nested collections, empty ones and scalars of every kind', () => {
  roundTrips({
    hostname: 'web1',
    users: [
      { name: 'ops', groups: ['wheel'], keys: [] },
      { name: 'x', opts: {} },
    ],
    matrix: [
      [1, 2],
      [[], {}],
    ],
    numbers: [0, -3, 1.5, 1e21],
    flags: [true, false, null],
    file: { content: 'server {\n  listen 80;\n}\n', mode: '0644' },
  });
  roundTrips([]);
  roundTrips({});
  roundTrips('just a string');
});

test('lists of scalars inside lists are written in flow style', () => {
  const value = {
    runcmd: [
      ['systemctl', 'enable', '--now', 'x'],
      ['a,b', 'multi\nline', null, 1, true],
    ],
  };
  const text = emitYaml(value);
  assert.match(text, /^- \[systemctl, enable, "--now", x\]$/m);
  roundTrips(value);
});

test('undefined mapping values are left out, as JSON does', () => {
  assert.equal(emitYaml({ a: 1, b: undefined }), 'a: 1\n');
});

test('random strings from a hostile alphabet read back unchanged', () => {
  const alphabet = [
    'a',
    'Z',
    '0',
    '9',
    ' ',
    '\n',
    '\t',
    ':',
    '#',
    '-',
    '?',
    '"',
    "'",
    '|',
    '>',
    '{',
    '[',
    ',',
    '&',
    '*',
    '!',
    '%',
    '@',
    '.',
    '_',
    '~',
    'é',
  ];
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let i = 0; i < 3000; i++) {
    const length = next() % 12;
    let s = '';
    for (let j = 0; j < length; j++) s += alphabet[next() % alphabet.length];
    roundTrips({ k: s, [s]: [s] });
  }
});

// The readers that matter: cloud-init reads user-data with PyYAML, Puppet reads the ENC with Psych.
function readerAvailable(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? undefined : `${cmd} cannot load its YAML library`;
}

const everything = {
  strings: tricky,
  keyed: Object.fromEntries(tricky.map((s, i) => [s || `empty${i}`, [s, { s }]])),
};

test(
  "PyYAML (cloud-init's reader) reads the same values",
  { skip: readerAvailable('/usr/bin/python3', ['-c', 'import yaml']) },
  () => {
    const r = spawnSync(
      '/usr/bin/python3',
      ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))'],
      { input: emitYaml(everything), encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), everything);
  },
);

test(
  "Psych (Puppet's reader) reads the same values",
  { skip: readerAvailable('ruby', ['-ryaml', '-rjson', '-e', '1']) },
  () => {
    const r = spawnSync(
      'ruby',
      ['-ryaml', '-rjson', '-e', 'puts JSON.generate(YAML.safe_load($stdin.read))'],
      {
        input: emitYaml(everything),
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), everything);
  },
);
