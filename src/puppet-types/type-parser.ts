import type { PType, PTypeKind, PatternSource, StructEntry } from './type-ast.js';
import { rubyRegExp } from './ruby-regexp.js';
import { variantOf } from './type-normalize.js';
import { compareStrings } from './type-strings.js';

/** A mistake in a type expression; `offset` and `length` point into the expression text. */
export interface TypeSyntaxError {
  message: string;
  offset: number;
  length: number;
}

export interface ParseTypeResult {
  /** Present exactly when `errors` is empty. */
  type?: PType;
  errors: TypeSyntaxError[];
}

// ---------------------------------------------------------------------------------------------
// Tokens

type Token =
  | { t: 'name'; text: string; start: number; end: number }
  | { t: 'string'; value: string; start: number; end: number }
  | { t: 'regex'; source: string; start: number; end: number }
  | { t: 'number'; value: number; isFloat: boolean; start: number; end: number }
  | { t: 'punct'; text: '[' | ']' | '{' | '}' | ',' | '=>'; start: number; end: number }
  | { t: 'end'; start: number; end: number };

class Syntax extends Error {
  constructor(
    readonly offset: number,
    readonly length: number,
    message: string,
  ) {
    super(message);
  }
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (c === '[' || c === ']' || c === '{' || c === '}' || c === ',') {
      tokens.push({ t: 'punct', text: c, start, end: ++i });
      continue;
    }
    if (c === '=' && text[i + 1] === '>') {
      i += 2;
      tokens.push({ t: 'punct', text: '=>', start, end: i });
      continue;
    }
    if (c === "'" || c === '"') {
      let value = '';
      i++;
      for (;;) {
        const d = text[i];
        if (d === undefined) throw new Syntax(start, i - start, 'unterminated string');
        i++;
        if (d === c) break;
        if (d === '\\') {
          const e = text[i];
          if (e === undefined) continue;
          i++;
          if (e === c || e === '\\') value += e;
          else if (c === '"' && e === 'n') value += '\n';
          else if (c === '"' && e === 't') value += '\t';
          else value += '\\' + e;
          continue;
        }
        value += d;
      }
      tokens.push({ t: 'string', value, start, end: i });
      continue;
    }
    if (c === '/') {
      let source = '';
      i++;
      for (;;) {
        const d = text[i];
        if (d === undefined || d === '\n')
          throw new Syntax(start, i - start, 'unterminated regular expression');
        i++;
        if (d === '/') break;
        if (d === '\\' && text[i] !== undefined) {
          source += d + text[i];
          i++;
          continue;
        }
        source += d;
      }
      tokens.push({ t: 'regex', source, start, end: i });
      continue;
    }
    NUMBER.lastIndex = i;
    const num = (c === '-' || (c >= '0' && c <= '9')) && NUMBER.exec(text);
    if (num) {
      i += num[0].length;
      tokens.push({
        t: 'number',
        value: Number(num[0]),
        isFloat: num[1] !== undefined || num[2] !== undefined,
        start,
        end: i,
      });
      continue;
    }
    NAME.lastIndex = i;
    const name = NAME.exec(text);
    if (name) {
      i += name[0].length;
      tokens.push({ t: 'name', text: name[0], start, end: i });
      continue;
    }
    if (c === ':') throw new Syntax(start, 1, "expected '=>' between a key and its type, got ':'");
    throw new Syntax(start, 1, `unexpected character '${c}'`);
  }
  tokens.push({ t: 'end', start: text.length, end: text.length });
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Syntax tree: what was written, before it is given meaning.

type Node =
  | { n: 'type'; name: string; start: number; end: number; params?: Node[] }
  | { n: 'word'; value: string; start: number; end: number }
  | { n: 'string'; value: string; start: number; end: number }
  | { n: 'regex'; source: string; start: number; end: number }
  | { n: 'number'; value: number; isFloat: boolean; start: number; end: number }
  | { n: 'hash'; entries: [Node, Node][]; start: number; end: number };

function describeToken(tok: Token): string {
  switch (tok.t) {
    case 'end':
      return 'end of text';
    case 'name':
    case 'punct':
      return `'${tok.text}'`;
    case 'string':
      return 'a string';
    case 'regex':
      return 'a regular expression';
    case 'number':
      return 'a number';
  }
}

class SyntaxParser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos] as Token;
  }

  private next(): Token {
    const tok = this.peek();
    if (tok.t !== 'end') this.pos++;
    return tok;
  }

  private isPunct(text: string): boolean {
    const tok = this.peek();
    return tok.t === 'punct' && tok.text === text;
  }

  private fail(expected: string): never {
    const tok = this.peek();
    throw new Syntax(tok.start, tok.end - tok.start, `expected ${expected}, got ${describeToken(tok)}`);
  }

  parseTop(): Node {
    const node = this.parseValue('a type');
    if (this.peek().t !== 'end') this.fail('end of text');
    return node;
  }

  private parseValue(what: string): Node {
    const tok = this.peek();
    switch (tok.t) {
      case 'name': {
        this.next();
        const first = tok.text[0] as string;
        if (first >= 'A' && first <= 'Z') {
          if (!this.isPunct('[')) return { n: 'type', name: tok.text, start: tok.start, end: tok.end };
          this.next();
          const params: Node[] = [];
          while (!this.isPunct(']')) {
            params.push(this.parseValue('a type parameter'));
            if (this.isPunct(',')) this.next();
            else if (!this.isPunct(']')) this.fail("',' or ']'");
          }
          if (params.length === 0) this.fail('a type parameter');
          const close = this.next();
          return { n: 'type', name: tok.text, start: tok.start, end: close.end, params };
        }
        return { n: 'word', value: tok.text, start: tok.start, end: tok.end };
      }
      case 'string':
        this.next();
        return { n: 'string', value: tok.value, start: tok.start, end: tok.end };
      case 'regex':
        this.next();
        return { n: 'regex', source: tok.source, start: tok.start, end: tok.end };
      case 'number':
        this.next();
        return { n: 'number', value: tok.value, isFloat: tok.isFloat, start: tok.start, end: tok.end };
      case 'punct': {
        if (tok.text !== '{') this.fail(what);
        this.next();
        const entries: [Node, Node][] = [];
        while (!this.isPunct('}')) {
          const key = this.parseValue('a hash key');
          if (!this.isPunct('=>')) this.fail("'=>'");
          this.next();
          const value = this.parseValue('a hash value');
          entries.push([key, value]);
          if (this.isPunct(',')) this.next();
          else if (!this.isPunct('}')) this.fail("',' or '}'");
        }
        const close = this.next();
        return { n: 'hash', entries, start: tok.start, end: close.end };
      }
      case 'end':
        this.fail(what);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Meaning: syntax tree -> PType, with every mistake reported (not only the first).

const SIMPLE: Partial<Record<string, PTypeKind>> = {
  Any: 'Any',
  Scalar: 'Scalar',
  ScalarData: 'ScalarData',
  Data: 'Data',
  Default: 'Default',
  Numeric: 'Numeric',
  Boolean: 'Boolean',
  Undef: 'Undef',
};

const PARAMETERISED = new Set([
  'String',
  'Integer',
  'Float',
  'Optional',
  'NotUndef',
  'Sensitive',
  'Enum',
  'Pattern',
  'Array',
  'Hash',
  'Struct',
  'Tuple',
  'Variant',
]);

/** Puppet types that exist but that values from YAML cannot have, or that Aare does not check. */
const UNSUPPORTED = new Set([
  'Binary',
  'Callable',
  'CatalogEntry',
  'Class',
  'Collection',
  'Error',
  'Init',
  'Iterable',
  'Iterator',
  'Object',
  'Regexp',
  'Resource',
  'RichData',
  'Runtime',
  'SemVer',
  'SemVerRange',
  'Timespan',
  'Timestamp',
  'Type',
  'TypeReference',
  'TypeSet',
  'URI',
  'Unit',
]);

const BUILTIN_NAMES = [...Object.keys(SIMPLE), ...PARAMETERISED];

class TypeBuilder {
  readonly errors: TypeSyntaxError[] = [];

  private report(node: { start: number; end: number }, message: string): undefined {
    this.errors.push({ message, offset: node.start, length: node.end - node.start });
    return undefined;
  }

  build(node: Node): PType | undefined {
    if (node.n === 'word') {
      const hint = BUILTIN_NAMES.find((b) => b.toLowerCase() === node.value.toLowerCase());
      return this.report(
        node,
        hint
          ? `unknown type '${node.value}' (type names are capitalised: did you mean ${hint}?)`
          : `unknown type '${node.value}' (type names are capitalised)`,
      );
    }
    if (node.n !== 'type') return this.report(node, `expected a type, got ${nodeLabel(node)}`);
    const params = node.params ?? [];
    const simple = SIMPLE[node.name];
    if (simple) {
      if (params.length > 0) return this.arity(node, 0, 0);
      return { kind: simple } as PType;
    }
    if (UNSUPPORTED.has(node.name)) {
      return this.report(node, `the Puppet type ${node.name} is not supported in Aare parameter types`);
    }
    if (!PARAMETERISED.has(node.name)) {
      if (params.length > 0) return this.report(node, `type alias ${node.name} takes no parameters`);
      return { kind: 'Alias', name: node.name };
    }
    switch (node.name) {
      case 'String':
        return this.sized(node, params, 'String');
      case 'Integer':
      case 'Float':
        return this.range(node, params, node.name);
      case 'Optional':
      case 'NotUndef':
      case 'Sensitive': {
        if (params.length > 1) return this.arity(node, 0, 1);
        const p = params[0];
        if (p === undefined) return { kind: node.name };
        // Optional['x'] is Optional[Enum['x']], as in Puppet.
        const type =
          p.n === 'string'
            ? ({ kind: 'Enum', values: [p.value], caseInsensitive: false } as const)
            : this.build(p);
        return type && { kind: node.name, type };
      }
      case 'Enum':
        return this.enumType(node, params);
      case 'Pattern':
        return this.pattern(params);
      case 'Array':
        return this.array(node, params);
      case 'Hash':
        return this.hash(node, params);
      case 'Struct':
        return this.struct(node, params);
      case 'Tuple':
        return this.tuple(node, params);
      case 'Variant': {
        const types = params.map((p) => this.build(p));
        // Puppet flattens nested Variants and drops duplicates as it parses: Variant[Integer, Integer] is Integer.
        return allDefined(types) ? variantOf(types) : undefined;
      }
      default:
        return this.report(node, `unknown type '${node.name}'`);
    }
  }

  private arity(node: Node & { n: 'type' }, min: number, max: number): undefined {
    const n = node.params?.length ?? 0;
    const expected = min === max ? `${min}` : `${min} to ${max}`;
    const s = max === 1 && min <= 1 ? '' : 's';
    // Point at the surplus parameters when there are too many, else at the whole type.
    const surplus = n > max ? node.params?.slice(max) : undefined;
    const at = surplus?.length
      ? { start: (surplus[0] as Node).start, end: (surplus.at(-1) as Node).end }
      : node;
    return this.report(at, `${node.name} takes ${expected} parameter${s}, got ${n}`);
  }

  /** A bound: a number (an integer unless `float`) or `default`. `null` marks an error. */
  private bound(node: Node, what: string, float: boolean): number | undefined | null {
    if (node.n === 'word' && node.value === 'default') return undefined;
    if (node.n === 'number' && (float || !node.isFloat)) return node.value;
    this.report(
      node,
      `${what} must be ${float ? 'a number' : 'an integer'} or default, got ${nodeLabel(node)}`,
    );
    return null;
  }

  private checkOrder(node: Node, min: number | undefined, max: number | undefined): boolean {
    if (min !== undefined && max !== undefined && min > max) {
      this.report(node, `the minimum ${min} is greater than the maximum ${max}`);
      return false;
    }
    return true;
  }

  private sizes(node: Node, params: Node[], what: string): { min?: number; max?: number } | undefined {
    const [pmin, pmax] = params;
    const min = pmin ? this.bound(pmin, `the minimum ${what}`, false) : undefined;
    const max = pmax ? this.bound(pmax, `the maximum ${what}`, false) : undefined;
    if (min === null || max === null) return undefined;
    if (min !== undefined && min < 0)
      return this.report(pmin as Node, `the minimum ${what} cannot be negative`);
    if (max !== undefined && max < 0)
      return this.report(pmax as Node, `the maximum ${what} cannot be negative`);
    if (!this.checkOrder(node, min, max)) return undefined;
    // An explicit minimum of 0 is kept: Puppet prints it (`Array[Integer, 0]`).
    return { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
  }

  private sized(node: Node & { n: 'type' }, params: Node[], kind: 'String'): PType | undefined {
    if (params.length > 2) return this.arity(node, 0, 2);
    const s = this.sizes(node, params, 'length');
    return s && { kind, ...s };
  }

  private range(node: Node & { n: 'type' }, params: Node[], kind: 'Integer' | 'Float'): PType | undefined {
    if (params.length > 2) return this.arity(node, 0, 2);
    const [pmin, pmax] = params;
    const float = kind === 'Float';
    const min = pmin ? this.bound(pmin, 'the minimum', float) : undefined;
    const max = pmax ? this.bound(pmax, 'the maximum', float) : undefined;
    if (min === null || max === null || !this.checkOrder(node, min, max)) return undefined;
    return { kind, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
  }

  private enumType(node: Node & { n: 'type' }, params: Node[]): PType | undefined {
    const values: string[] = [];
    let caseInsensitive = false;
    let ok = true;
    params.forEach((p, i) => {
      if (p.n === 'string' || (p.n === 'word' && p.value !== 'true' && p.value !== 'false')) {
        if (!values.includes(p.value)) values.push(p.value);
      } else if (p.n === 'word' && i === params.length - 1 && i > 0) {
        caseInsensitive = p.value === 'true';
      } else {
        ok = false;
        this.report(p, `Enum values must be strings, got ${nodeLabel(p)}`);
      }
    });
    if (ok && values.length === 0) return this.report(node, 'Enum needs at least one value');
    // Puppet keeps Enum values sorted (and prints them so).
    return ok ? { kind: 'Enum', values: values.sort(compareStrings), caseInsensitive } : undefined;
  }

  private pattern(params: Node[]): PType | undefined {
    const patterns: PatternSource[] = [];
    let ok = true;
    for (const p of params) {
      if (p.n !== 'regex' && p.n !== 'string') {
        ok = false;
        this.report(p, `Pattern takes regular expressions or strings, got ${nodeLabel(p)}`);
        continue;
      }
      const source = p.n === 'regex' ? p.source : p.value;
      const regexp = rubyRegExp(source);
      if (typeof regexp === 'string') {
        ok = false;
        this.report(p, `invalid regular expression /${source}/: ${regexp}`);
        continue;
      }
      if (!patterns.some((q) => q.source === source)) patterns.push({ source, regexp });
    }
    return ok ? { kind: 'Pattern', patterns } : undefined;
  }

  private array(node: Node & { n: 'type' }, params: Node[]): PType | undefined {
    if (params.length > 3) return this.arity(node, 0, 3);
    const first = params[0];
    // Array[1] and Array[1, 2]: sizes without an element type.
    const typed = first !== undefined && first.n !== 'number';
    const element = typed ? this.build(first) : undefined;
    const s = this.sizes(node, typed ? params.slice(1) : params, 'size');
    if ((typed && !element) || !s) return undefined;
    return { kind: 'Array', ...(element && element.kind !== 'Any' ? { element } : {}), ...s };
  }

  private hash(node: Node & { n: 'type' }, params: Node[]): PType | undefined {
    if (params.length === 1 || params.length > 4) return this.arity(node, 2, 4);
    if (params.length === 0) return { kind: 'Hash' };
    const key = this.build(params[0] as Node);
    const value = this.build(params[1] as Node);
    const s = this.sizes(node, params.slice(2), 'size');
    if (!key || !value || !s) return undefined;
    return {
      kind: 'Hash',
      ...(key.kind !== 'Any' ? { key } : {}),
      ...(value.kind !== 'Any' ? { value } : {}),
      ...s,
    };
  }

  private struct(node: Node & { n: 'type' }, params: Node[]): PType | undefined {
    const h = params[0];
    if (params.length !== 1 || h === undefined || h.n !== 'hash') {
      return this.report(node, 'Struct takes one hash of keys to types, e.g. Struct[{name => String}]');
    }
    const entries: StructEntry[] = [];
    let ok = true;
    for (const [k, v] of h.entries) {
      const key = structKey(k);
      const value = this.build(v);
      if (!key) {
        ok = false;
        this.report(
          k,
          `a Struct key must be a string, Optional['name'] or NotUndef['name'], got ${nodeLabel(k)}`,
        );
        continue;
      }
      if (entries.some((e) => e.name === key.name)) {
        ok = false;
        this.report(k, `duplicate Struct key '${key.name}'`);
        continue;
      }
      if (!value) ok = false;
      else entries.push({ ...key, value });
    }
    return ok ? { kind: 'Struct', entries } : undefined;
  }

  private tuple(node: Node & { n: 'type' }, params: Node[]): PType | undefined {
    // Trailing numbers (or `default` after a number) are the size bounds.
    let sizeStart = params.length;
    while (sizeStart > 0 && params.length - sizeStart < 2) {
      const p = params[sizeStart - 1] as Node;
      if (p.n === 'number' || (p.n === 'word' && p.value === 'default')) sizeStart--;
      else break;
    }
    const types = params.slice(0, sizeStart).map((p) => this.build(p));
    const s = this.sizes(node, params.slice(sizeStart), 'size');
    if (!allDefined(types) || !s) return undefined;
    if (sizeStart === params.length) return { kind: 'Tuple', types };
    return { kind: 'Tuple', types, min: s.min ?? 0, ...(s.max !== undefined ? { max: s.max } : {}) };
  }
}

function structKey(k: Node): Pick<StructEntry, 'name' | 'keyForm'> | undefined {
  if (k.n === 'string' || k.n === 'word') return { name: k.value, keyForm: 'plain' };
  if (k.n === 'type' && (k.name === 'Optional' || k.name === 'NotUndef') && k.params?.length === 1) {
    const inner = k.params[0] as Node;
    if (inner.n === 'string' || inner.n === 'word') return { name: inner.value, keyForm: k.name };
  }
  return undefined;
}

function nodeLabel(node: Node): string {
  switch (node.n) {
    case 'type':
      return node.name;
    case 'word':
      return `'${node.value}'`;
    case 'string':
      return `the string '${node.value}'`;
    case 'regex':
      return `/${node.source}/`;
    case 'number':
      return String(node.value);
    case 'hash':
      return 'a hash';
  }
}

function allDefined<T>(xs: (T | undefined)[]): xs is T[] {
  return xs.every((x) => x !== undefined);
}

// ---------------------------------------------------------------------------------------------

const cache = new Map<string, ParseTypeResult>();
const CACHE_LIMIT = 10_000;

/**
 * Parses a Puppet type expression such as `Optional[Array[String[1], 1]]`. Results are cached by
 * text and shared between callers: treat them as immutable.
 */
export function parseType(text: string): ParseTypeResult {
  const hit = cache.get(text);
  if (hit) return hit;
  const result = parseUncached(text);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, result);
  return result;
}

function parseUncached(text: string): ParseTypeResult {
  let tree: Node;
  try {
    tree = new SyntaxParser(tokenize(text)).parseTop();
  } catch (e) {
    if (e instanceof Syntax) return { errors: [{ message: e.message, offset: e.offset, length: e.length }] };
    throw e;
  }
  const builder = new TypeBuilder();
  const type = builder.build(tree);
  if (builder.errors.length > 0 || !type) return { errors: builder.errors };
  return { type, errors: [] };
}
