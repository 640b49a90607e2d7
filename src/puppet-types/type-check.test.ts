// What values each type accepts, and the messages for the cases a control repository meets.
// Word-for-word agreement with Puppet is checked case by case in type-conformance.test.ts; this
// file covers the semantics, the JavaScript side of values (undefined, Maps, Infinity) and the
// alias machinery (recursion, unresolved names).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkValue, isInstance, parseType, typeMismatches, type PType } from './index.js';

function t(text: string): PType {
  const r = parseType(text);
  assert.deepEqual(r.errors, [], text);
  return r.type as PType;
}

function aliasMap(defs: Record<string, string>): Map<string, PType> {
  return new Map(Object.entries(defs).map(([name, text]) => [name, t(text)]));
}

function label(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

/** Asserts the values that match and those that do not. */
function accepts(type: string, good: unknown[], bad: unknown[], aliases?: ReadonlyMap<string, PType>): void {
  const pt = t(type);
  for (const v of good)
    assert.equal(checkValue(pt, v, aliases), undefined, `${type} should accept ${label(v)}`);
  for (const v of bad) {
    assert.equal(isInstance(pt, v, aliases), false, `${type} should refuse ${label(v)}`);
    assert.ok(checkValue(pt, v, aliases), `${type} should explain why it refuses ${label(v)}`);
  }
}

describe('what each type accepts', () => {
  test('Any', () => accepts('Any', [null, undefined, 0, 'x', [], {}, new Date(0)], []));
  test('Scalar and ScalarData', () => {
    accepts('Scalar', ['x', 1, 1.5, true], [null, [], {}]);
    accepts('ScalarData', ['', 0, false], [undefined, [1], { a: 1 }]);
  });
  test('Data: undef, scalars and arrays and hashes of Data', () => {
    accepts(
      'Data',
      [null, undefined, 'x', 1, [1, [null]], { a: { b: [true] } }],
      [new Date(0), [new Map()], { a: () => 1 }],
    );
  });
  test('Default matches no value', () => accepts('Default', [], ['default', null]));
  test('String with length bounds, counted in characters', () => {
    accepts('String', ['', 'x'], [1, null, ['x']]);
    accepts('String[1]', ['a'], ['']);
    accepts('String[2, 3]', ['ab', 'abc', 'é€', '😀😀'], ['a', 'abcd', '😀']);
    accepts('String[0, 0]', [''], ['a']);
  });
  test('Integer with bounds, default bounds and negative ranges', () => {
    accepts('Integer', [0, -7, 2 ** 53], [1.5, '1', null, true]);
    accepts('Integer[1, 64]', [1, 64], [0, 65, 70]);
    accepts('Integer[1, default]', [1, 1e12], [0]);
    accepts('Integer[default, 5]', [-1e12, 5], [6]);
    accepts('Integer[-5, -2]', [-5, -2], [-6, -1]);
  });
  test('Float: non-integral numbers only (values come from YAML/JSON)', () => {
    accepts('Float', [1.5, -0.25, Infinity], [1, '1.5', null]);
    accepts('Float[0, 1]', [0.5], [1.5, -0.5]);
  });
  test('Numeric, Boolean, Undef', () => {
    accepts('Numeric', [1, 1.5], ['1', true]);
    accepts('Boolean', [true, false], ['true', 0, null]);
    accepts('Undef', [null, undefined], [0, '', false]);
  });
  test('Optional and nested Optional', () => {
    accepts('Optional[Integer]', [null, undefined, 1], ['1']);
    accepts('Optional[Optional[Integer]]', [null, 1], ['1']);
    accepts('Array[Optional[String]]', [[null, 'a']], [[null, 1]]);
    accepts('Optional', [null, 1, 'x'], []);
  });
  test('NotUndef', () => {
    accepts('NotUndef', [0, '', false], [null, undefined]);
    accepts('NotUndef[Optional[Integer]]', [1], [null]);
  });
  test('Enum, case-sensitive and not', () => {
    accepts("Enum['a', 'b']", ['a', 'b'], ['A', 'c', 1, null]);
    accepts("Enum['a', 'b', true]", ['A', 'b'], ['c']);
  });
  test('Pattern: Ruby semantics (line anchors, \\A \\z, \\h)', () => {
    accepts('Pattern[/^a/, /b$/]', ['abc', 'xb', 'x\nab'], ['c', 5]);
    accepts('Pattern[/\\A[a-z]+\\z/]', ['abc'], ['abc\n', 'ab1']);
    accepts('Pattern[/\\A\\h+\\Z/]', ['ff', 'ff\n'], ['fg']);
    accepts("Pattern['(?i)^abc$']", ['ABC'], ['abd']);
  });
  test('Array with element type and size bounds', () => {
    accepts('Array', [[], [1, 'a']], ['a', {}]);
    accepts(
      'Array[Integer, 2, 3]',
      [
        [1, 2],
        [1, 2, 3],
      ],
      [[1], [1, 2, 3, 4], [1, 'a']],
    );
    accepts('Array[Integer, 0, 0]', [[]], [[1]]);
  });
  test('Hash with key and value types and size bounds', () => {
    accepts('Hash', [{}, { a: 1 }, Object.create(null) as object], [[], 'x', new Map()]);
    accepts(
      'Hash[String[2], Integer, 1, 2]',
      [{ ab: 1 }],
      [{}, { a: 1 }, { ab: 'x' }, { ab: 1, cd: 2, ef: 3 }],
    );
    accepts("Hash[Enum['a', 'b'], Integer]", [{ a: 1 }], [{ c: 1 }]);
  });
  test('Struct: required keys, Optional keys, NotUndef keys, unknown keys', () => {
    const s =
      'Struct[{a => Integer, Optional[b] => String, c => Optional[Integer], NotUndef[d] => Optional[String]}]';
    accepts(
      s,
      [
        { a: 1, d: null },
        { a: 1, b: 'x', c: 2, d: 'y' },
        { a: 1, c: null, d: 'y' },
      ],
      [
        { d: null },
        { a: 1 },
        { a: 1, d: null, b: null },
        { a: 1, d: null, e: 1 },
        { a: '1', d: null },
        [],
        'x',
      ],
    );
    accepts('Struct[{}]', [{}], [{ a: 1 }]);
  });
  test('Tuple: positions, sizes, the last type repeating', () => {
    accepts('Tuple[String, Integer]', [['a', 1]], [['a'], ['a', 1, 2], [1, 'a']]);
    accepts('Tuple[String, Integer, 1, default]', [['a'], ['a', 1, 2, 3]], [[], ['a', 1, 'b']]);
    accepts('Tuple', [[], [1, 'x']], ['x']);
  });
  test('Variant', () => accepts('Variant[Integer, Enum[a]]', [1, 'a'], ['b', 1.5]));
});

describe('messages for the usual mistakes', () => {
  test('a value of the wrong kind', () => {
    assert.equal(checkValue(t('Integer[1, 64]'), 'x'), 'expects an Integer value, got String');
  });
  test('an integer out of range names both ranges', () => {
    assert.equal(checkValue(t('Integer[1, 64]'), 70), 'expects an Integer[1, 64] value, got Integer[70, 70]');
  });
  test('Optional', () => {
    assert.equal(
      checkValue(t('Optional[Integer]'), 'x'),
      'expects a value of type Undef or Integer, got String',
    );
  });
  test('nested paths', () => {
    const type = t('Struct[{port => Integer, hosts => Array[String, 1]}]');
    assert.equal(
      checkValue(type, { port: '80', hosts: ['a'] }),
      "entry 'port' expects an Integer value, got String",
    );
    assert.equal(
      checkValue(type, { port: 80, hosts: [] }),
      "entry 'hosts' expects size to be at least 1, got 0",
    );
    assert.equal(
      checkValue(type, { port: 80, hosts: ['a', 'b', 3] }),
      "entry 'hosts' index 2 expects a String value, got Integer",
    );
    assert.equal(checkValue(type, { port: 80, hosts: ['a'], x: 1 }), "unrecognized key 'x'");
    assert.equal(checkValue(type, { hosts: ['a'] }), "expects a value for key 'port'");
  });
  test('several mistakes: one per line, and the same list from typeMismatches', () => {
    const type = t('Struct[{a => Integer, b => String}]');
    const value = { a: 'x', b: 1, c: 1 };
    const expected = [
      "entry 'a' expects an Integer value, got String",
      "entry 'b' expects a String value, got Integer",
      "unrecognized key 'c'",
    ];
    assert.deepEqual(typeMismatches(type, value, new Map()), expected);
    assert.equal(checkValue(type, value), expected.join('\n'));
  });
  test('Enum', () => {
    assert.equal(checkValue(t("Enum['a', 'b']"), 'c'), "expects a match for Enum['a', 'b'], got 'c'");
  });
  test('values JavaScript has and YAML does not', () => {
    assert.equal(checkValue(t('Data'), new Map()), 'expects a Data value, got Runtime');
    assert.equal(checkValue(t('String'), undefined), 'expects a String value, got Undef');
    assert.equal(checkValue(t('Hash'), new Map()), 'expects a Hash value, got Runtime');
  });
  test('a matching value gives undefined and typeMismatches gives []', () => {
    assert.equal(checkValue(t('Integer'), 1), undefined);
    assert.deepEqual(typeMismatches(t('Integer'), 1, new Map()), []);
  });
});

describe('type aliases', () => {
  const aliases = aliasMap({
    'Aare::Port': 'Integer[1, 65535]',
    'Aare::Ports': 'Array[Aare::Port, 1]',
    'Aare::Tree': 'Variant[String, Array[Aare::Tree]]',
    'Aare::Json': 'Variant[ScalarData, Undef, Array[Aare::Json], Hash[String, Aare::Json]]',
    'Aare::Loop': 'Variant[Aare::Loop, String]',
    'Aare::Ping': 'Aare::Pong',
    'Aare::Pong': 'Aare::Ping',
    'Aare::Broken': 'Array[Aare::Missing]',
  });

  test('resolved through the map, and named with their definition in messages', () => {
    accepts('Aare::Ports', [[80, 443]], [[], [0], 'x'], aliases);
    assert.equal(
      checkValue(t('Aare::Ports'), [80, 0], aliases),
      'index 1 expects an Aare::Port = Integer[1, 65535] value, got Integer[0, 0]',
    );
  });

  test('recursive aliases that consume the value work to any depth', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 200; i++) deep = [deep, 'x'];
    accepts('Aare::Tree', ['a', [], [['a'], 'b'], deep], [1, [['a', 1]]], aliases);
    accepts('Aare::Json', [{ a: [1, { b: null }] }], [{ a: [new Date(0)] }], aliases);
  });

  test('cyclic values (YAML anchors can make them) end in a mismatch, not a stack overflow', () => {
    const cycle: unknown[] = [1];
    cycle.push(cycle);
    // Puppet's form for a Data value with a bad element: each member of Data's Variant says why
    assert.deepEqual(typeMismatches(t('Data'), cycle, new Map()), [
      'variant 0 expects a ScalarData value, got Tuple',
      'variant 1 expects a Hash value, got Tuple',
      'variant 2 index 1 expects a Data value, got Tuple',
    ]);
    assert.ok(checkValue(t('Aare::Tree'), cycle, aliases));
    assert.ok(checkValue(t('Aare::Json'), { a: cycle }, aliases));
  });

  test('aliases that never consume the value do not loop', () => {
    accepts('Aare::Loop', ['x'], [1], aliases);
    assert.ok(checkValue(t('Aare::Loop'), 1, aliases));
    accepts('Aare::Ping', [], [1, 'x', null], aliases);
    assert.ok(checkValue(t('Aare::Ping'), 1, aliases));
  });

  test('an alias that is not declared is reported, also inside another alias', () => {
    assert.equal(
      checkValue(t('Array[Aare::Nope]'), [1], aliases),
      "references an unresolved type 'Aare::Nope'",
    );
    assert.equal(
      checkValue(t('Aare::Broken'), [1], aliases),
      "references an unresolved type 'Aare::Missing'",
    );
    assert.equal(checkValue(t('Aare::Port'), 80), "references an unresolved type 'Aare::Port'");
  });
});
