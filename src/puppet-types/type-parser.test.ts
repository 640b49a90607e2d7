import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  checkValue,
  formatType,
  parseType,
  typeAliasNames,
  type PType,
  type TypeSyntaxError,
} from './index.js';

function ok(text: string): PType {
  const r = parseType(text);
  assert.deepEqual(r.errors, [], text);
  assert.ok(r.type);
  return r.type;
}

function errors(text: string): TypeSyntaxError[] {
  const r = parseType(text);
  assert.equal(r.type, undefined, `${text} should not parse`);
  assert.ok(r.errors.length > 0);
  return r.errors;
}

/** The one error, with the text it points at. */
function oneError(text: string): { message: string; at: string; offset: number } {
  const [e, ...more] = errors(text);
  assert.deepEqual(more, [], `one error for ${text}`);
  assert.ok(e);
  return { message: e.message, at: text.slice(e.offset, e.offset + e.length), offset: e.offset };
}

describe('parseType: every type of the language', () => {
  const spelled: [string, string][] = [
    ['Any', 'Any'],
    ['Scalar', 'Scalar'],
    ['ScalarData', 'ScalarData'],
    ['Data', 'Data'],
    ['Default', 'Default'],
    ['Numeric', 'Numeric'],
    ['Boolean', 'Boolean'],
    ['Undef', 'Undef'],
    ['String[1,64]', 'String[1, 64]'],
    ['Integer[1,64]', 'Integer[1, 64]'],
    ['Integer[1, default]', 'Integer[1]'],
    ['Integer[default, 0]', 'Integer[default, 0]'],
    ['Float[0, 1]', 'Float[0.0, 1.0]'],
    ['Optional[String]', 'Optional[String]'],
    ['NotUndef[String]', 'NotUndef[String]'],
    ["Enum[b, 'a']", "Enum['a', 'b']"],
    ["Enum['a', 'b', true]", "Enum['a', 'b', true]"],
    ["Pattern[/^a\\/b$/, 'c+']", 'Pattern[/^a\\/b$/, /c+/]'],
    ['Array[String[1], 1, 10]', 'Array[String[1], 1, 10]'],
    ['Hash[String, Integer, 1]', 'Hash[String, Integer, 1]'],
    ['Struct[{a => Integer, Optional[b] => String}]', "Struct[{'a' => Integer, Optional['b'] => String}]"],
    ["Struct[{NotUndef['a'] => Optional[String]}]", "Struct[{NotUndef['a'] => Optional[String]}]"],
    ['Tuple[String, Integer, 1, default]', 'Tuple[String, Integer, 1]'],
    ['Variant[Integer, String]', 'Variant[Integer, String]'],
    ['Aare::Port', 'Aare::Port'],
    ['Hash[String, Array[Aare::Port]]', 'Hash[String, Array[Aare::Port]]'],
  ];
  for (const [text, expected] of spelled) {
    test(`${text} -> ${expected}`, () => assert.equal(formatType(ok(text)), expected));
  }

  test('whitespace, newlines and trailing commas are allowed', () => {
    assert.equal(
      formatType(ok('Struct[{\n  a => Integer,\n  b => String,\n}]')),
      "Struct[{'a' => Integer, 'b' => String}]",
    );
    assert.equal(formatType(ok('  Array[ String , 1 , ]  ')), 'Array[String, 1]');
  });

  test('strings keep their escapes as Puppet reads them', () => {
    const t = ok(`Enum['it\\'s', "say \\"hi\\""]`);
    assert.deepEqual(t.kind === 'Enum' && t.values, ["it's", 'say "hi"']);
    assert.equal(formatType(t), `Enum['it\\'s', 'say "hi"']`);
  });

  test('default bounds mean unbounded', () => {
    assert.deepEqual(ok('Integer[default, default]'), { kind: 'Integer' });
    assert.deepEqual(ok('String[default, 5]'), { kind: 'String', max: 5 });
    assert.deepEqual(ok('Array[Integer, 2]'), { kind: 'Array', element: { kind: 'Integer' }, min: 2 });
  });

  test('a Variant is flattened and loses duplicates, as Puppet parses it', () => {
    assert.equal(formatType(ok('Variant[Integer, Variant[String, Integer]]')), 'Variant[Integer, String]');
    assert.equal(formatType(ok('Variant[Integer, Integer]')), 'Integer');
  });

  test('results are cached: the same text gives the same object', () => {
    assert.equal(parseType('Array[Integer[1, 5]]'), parseType('Array[Integer[1, 5]]'));
  });
});

describe('parseType: mistakes, with where they are', () => {
  test('a missing bracket points at the end', () => {
    assert.deepEqual(oneError('Integer[1, 64'), {
      message: "expected ',' or ']', got end of text",
      at: '',
      offset: 13,
    });
    assert.deepEqual(oneError('Array[Integer[1, 64]'), {
      message: "expected ',' or ']', got end of text",
      at: '',
      offset: 20,
    });
  });

  test('a missing comma points at what follows', () => {
    assert.deepEqual(oneError('Variant[Integer String]'), {
      message: "expected ',' or ']', got 'String'",
      at: 'String',
      offset: 16,
    });
  });

  test('text after the type', () => {
    assert.equal(oneError('Integer] ').at, ']');
  });

  test('an empty text and empty brackets', () => {
    assert.equal(oneError('').message, 'expected a type, got end of text');
    assert.equal(oneError('Enum[]').message, "expected a type parameter, got ']'");
  });

  test('lowercase names are not types; a near builtin is suggested', () => {
    assert.deepEqual(oneError('Array[integer]'), {
      message: "unknown type 'integer' (type names are capitalised: did you mean Integer?)",
      at: 'integer',
      offset: 6,
    });
    assert.equal(oneError('foo').message, "unknown type 'foo' (type names are capitalised)");
  });

  test('capitalised unknown names are aliases for the caller to resolve', () => {
    const t = ok('Optional[Strng]');
    assert.deepEqual(typeAliasNames(t), ['Strng']);
  });

  test('Puppet types Aare does not check are named as such', () => {
    assert.equal(
      oneError('Binary').message,
      'the Puppet type Binary is not supported in Aare parameter types',
    );
  });

  test('Sensitive[T] is checked as T and printed as written', () => {
    const t = ok('Sensitive[String[8]]');
    assert.equal(formatType(t), 'Sensitive[String[8]]');
    assert.equal(checkValue(t, 'long enough'), undefined);
    assert.notEqual(checkValue(t, 'short'), undefined);
    assert.notEqual(checkValue(t, 8), undefined);
  });

  test('wrong arity points at the surplus parameters', () => {
    assert.deepEqual(oneError('Integer[1,2,3]'), {
      message: 'Integer takes 0 to 2 parameters, got 3',
      at: '3',
      offset: 12,
    });
    assert.equal(oneError('Optional[Integer, String]').at, 'String');
    assert.equal(oneError('Hash[String]').message, 'Hash takes 2 to 4 parameters, got 1');
    assert.equal(oneError('Data[1]').message, 'Data takes 0 parameters, got 1');
    assert.equal(oneError('Aare::Port[1]').message, 'type alias Aare::Port takes no parameters');
  });

  test('bad bounds', () => {
    assert.equal(oneError('Integer[3, 1]').message, 'the minimum 3 is greater than the maximum 1');
    assert.equal(oneError('String[2, 1]').message, 'the minimum 2 is greater than the maximum 1');
    assert.deepEqual(oneError('Integer[1.5]'), {
      message: 'the minimum must be an integer or default, got 1.5',
      at: '1.5',
      offset: 8,
    });
    assert.equal(oneError('Array[String, -1]').message, 'the minimum size cannot be negative');
    assert.equal(oneError("String['a']").at, "'a'");
    assert.equal(formatType(ok('Float[1, 2]')), 'Float[1.0, 2.0]');
  });

  test('a bad regular expression', () => {
    assert.deepEqual(oneError('Pattern[/a/, /(/]'), {
      message: 'invalid regular expression /(/: Unterminated group',
      at: '/(/',
      offset: 13,
    });
    assert.equal(oneError('Pattern[/a').message, 'unterminated regular expression');
    assert.equal(
      oneError('Pattern[Integer]').message,
      'Pattern takes regular expressions or strings, got Integer',
    );
  });

  test('Struct keys', () => {
    assert.deepEqual(oneError('Struct[{a: Integer}]'), {
      message: "expected '=>' between a key and its type, got ':'",
      at: ':',
      offset: 9,
    });
    assert.equal(oneError('Struct[{a => Integer, a => String}]').message, "duplicate Struct key 'a'");
    assert.equal(
      oneError('Struct[{Integer => String}]').message,
      "a Struct key must be a string, Optional['name'] or NotUndef['name'], got Integer",
    );
    assert.equal(oneError('Struct[Integer]').at, 'Struct[Integer]');
  });

  test('every mistake is reported, not only the first', () => {
    const found = errors('Struct[{a => integer, b => String[x], c => Pattern[/[/]}]');
    assert.deepEqual(
      found.map((e) => e.message),
      [
        "unknown type 'integer' (type names are capitalised: did you mean Integer?)",
        "the minimum length must be an integer or default, got 'x'",
        'invalid regular expression /[/: Unterminated character class',
      ],
    );
  });

  test('unterminated strings', () => {
    assert.equal(oneError("Enum['a").message, 'unterminated string');
  });
});

describe('typeAliasNames', () => {
  test('every alias once, in order, wherever it is nested', () => {
    const t = ok(
      'Variant[Aare::A, Array[Aare::B], Hash[Aare::C, Optional[Aare::A]], Struct[{x => Tuple[Aare::D]}], NotUndef[Aare::E]]',
    );
    assert.deepEqual(typeAliasNames(t), ['Aare::A', 'Aare::B', 'Aare::C', 'Aare::D', 'Aare::E']);
  });

  test('builtin names are not aliases', () => {
    assert.deepEqual(typeAliasNames(ok('Variant[Data, Scalar, ScalarData, Default, Numeric]')), []);
  });
});
