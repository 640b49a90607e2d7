import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { emitYaml } from '../../src/compile/index.js';
import { PuppetFloat, markIntegerKey } from '../../src/puppet-types/index.js';

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

/** Floats of every form, and a hash whose `1` is an Integer key beside the String key `"2"`. */
function puppetData() {
  const keys = { 1: 'a', 2: 'b' };
  markIntegerKey(keys, '1');
  return {
    whole: new PuppetFloat(4),
    big: new PuppetFloat(1e20),
    small: 1e-7,
    half: 0.5,
    inf: Infinity,
    ninf: -Infinity,
    int: 4,
    keys,
    argv: [[new PuppetFloat(2), 3]],
  };
}

test('Floats keep a decimal point and Integer keys stay unquoted', () => {
  assert.equal(
    emitYaml(puppetData()),
    [
      'whole: 4.0',
      'big: 1.0e+20',
      'small: 1.0e-07',
      'half: 0.5',
      'inf: .inf',
      'ninf: -.inf',
      'int: 4',
      'keys:',
      '  1: a',
      '  "2": b',
      'argv:',
      '- [2.0, 3]',
      '',
    ].join('\n'),
  );
});

for (const [reader, program] of [
  [
    'ruby',
    [
      '-ryaml',
      '-e',
      'def t(v) = v.is_a?(Hash) ? v.map { |k, x| [k.class.name, t(x)] } : v.is_a?(Array) ? v.map { |x| t(x) } : v.class.name; puts t(YAML.safe_load($stdin.read)).inspect',
    ],
  ],
  [
    '/usr/bin/python3',
    [
      '-c',
      'import sys, yaml\ndef t(v): return [[type(k).__name__, t(x)] for k, x in v.items()] if isinstance(v, dict) else [t(x) for x in v] if isinstance(v, list) else type(v).__name__\nprint(t(yaml.safe_load(sys.stdin.read())))',
    ],
  ],
] as const) {
  test(
    `${reader} reads Floats as Floats and Integer keys as Integers`,
    { skip: readerAvailable(reader, reader === 'ruby' ? ['-ryaml', '-e', '1'] : ['-c', 'import yaml']) },
    () => {
      const r = spawnSync(reader, program, { input: emitYaml(puppetData()), encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const py = reader !== 'ruby';
      const [s, f, i] = py ? ['str', 'float', 'int'] : ['String', 'Float', 'Integer'];
      const types = [
        [s, f],
        [s, f],
        [s, f],
        [s, f],
        [s, f],
        [s, f],
        [s, i],
        [
          s,
          [
            [i, s],
            [s, s],
          ],
        ],
        [s, [[f, i]]],
      ];
      assert.equal(r.stdout.trim(), py ? pyRepr(types) : rubyInspect(types));
    },
  );
}

function rubyInspect(v: unknown): string {
  return Array.isArray(v) ? `[${v.map(rubyInspect).join(', ')}]` : `"${String(v)}"`;
}

function pyRepr(v: unknown): string {
  return Array.isArray(v) ? `[${v.map(pyRepr).join(', ')}]` : `'${String(v)}'`;
}
