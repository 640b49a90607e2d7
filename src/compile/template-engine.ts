// The template language of profile files (docs/control-repository.md, "Templates"): ERB/EPP
// tags around a small expression language that is interpreted, never turned into JavaScript.
// A template is written by whoever may push to the control repository; `aare validate` renders
// it and must run nothing. So a template reaches only the data it is given (own keys of plain
// hashes and arrays, never a prototype), calls only the helpers listed in HELPERS, and its work
// is bounded (loop iterations and output size), whatever the data.
//
// Compiled once per file to a tree of closures: rendering walks no syntax tree and costs about
// as much as the JavaScript eta produced.

import {
  PuppetFloat,
  copyIntegerKeys,
  floatValue,
  hashKeyValue,
  isFloatValue,
  numericValue,
  rubyFloatText,
} from '../puppet-types/index.js';

/** A mistake in a template, at its 1-based line and column. */
export class TemplateError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(message);
  }
}

/** The names every template sees; loop variables come after them. */
export const TEMPLATE_ROOTS = ['params', 'vm', 'facts'] as const;

/** Loop iterations one rendering may run (all loops together). */
export const MAX_ITERATIONS = 1_000_000;
/** Characters one rendered file may have; user-data must stay under 64 KiB anyway. */
export const MAX_OUTPUT_CHARS = 1 << 20;

type Scope = unknown[];
type Eval = (scope: Scope) => unknown;
/** Renders into the state; returns nothing. */
type Emit = (scope: Scope, state: RenderState) => void;

interface RenderState {
  out: string;
  iterations: number;
}

export type CompiledTemplate = (roots: Record<(typeof TEMPLATE_ROOTS)[number], unknown>) => string;

/** Compiles a template text; throws TemplateError at the first mistake. */
export function compileTemplate(text: string): CompiledTemplate {
  const parser = new Parser(text);
  const body = parser.parseBody();
  return (roots) => {
    const scope: Scope = new Array(parser.maxSlots);
    scope[0] = roots.params;
    scope[1] = roots.vm;
    scope[2] = roots.facts;
    const state: RenderState = { out: '', iterations: 0 };
    body(scope, state);
    return state.out;
  };
}

// ---------------------------------------------------------------------------------------------
// Values

function kind(v: unknown): string {
  if (v === undefined || v === null) return 'undef';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof PuppetFloat) return 'a number';
  if (typeof v === 'object') return 'a hash';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'boolean') return 'a boolean';
  return 'a value templates cannot use';
}

function isHashValue(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof PuppetFloat);
}

/**
 * A number as text, as Puppet writes it into a template: a Float keeps its `.0` (`4.0`), as
 * Ruby's `Float#to_s` gives it.
 */
function numberText(v: number | PuppetFloat): string {
  return v instanceof PuppetFloat ? rubyFloatText(v.value) : String(v);
}

/** Puppet's truth: only false and undef are false. */
function truthy(v: unknown): boolean {
  return v !== false && v !== undefined && v !== null;
}

/** A scalar as text; lists, hashes and undef have no text of their own. */
function scalarText(v: unknown, what: string, line: number, col: number): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || v instanceof PuppetFloat) return numberText(v);
  if (typeof v === 'boolean') return String(v);
  const hint =
    v === undefined || v === null
      ? ' (no value; pick(x, default) gives one)'
      : Array.isArray(v)
        ? ' (join(x, sep) makes it text)'
        : '';
  throw new TemplateError(`${what} is ${kind(v)}${hint}`, line, col);
}

function member(target: unknown, key: unknown, describe: () => string, line: number, col: number): unknown {
  if (Array.isArray(target)) {
    if (typeof key !== 'number' || !Number.isInteger(key)) {
      throw new TemplateError(`${describe()}: a list is indexed by an integer, not ${kind(key)}`, line, col);
    }
    const i = key < 0 ? target.length + key : key;
    return i >= 0 && i < target.length ? target[i] : undefined;
  }
  if (isHashValue(target)) {
    if (typeof key !== 'string' && typeof key !== 'number') {
      throw new TemplateError(`${describe()}: a hash key is a string, not ${kind(key)}`, line, col);
    }
    const k = String(key);
    // own keys only: a prototype (constructor, __proto__, toString ...) is never reachable
    return Object.prototype.hasOwnProperty.call(target, k)
      ? (target as Record<string, unknown>)[k]
      : undefined;
  }
  throw new TemplateError(`${describe()}: cannot take a key of ${kind(target)}`, line, col);
}

function compareValues(a: unknown, b: unknown): number {
  const na = numericValue(a);
  const nb = numericValue(b);
  if (na !== undefined && nb !== undefined) return na - nb;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((a === undefined || a === null) && (b === undefined || b === null)) return true;
  // Puppet compares numbers by value: `4.0 == 4`
  const na = numericValue(a);
  if (na !== undefined) return na === numericValue(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isHashValue(a) && isHashValue(b)) {
    const ka = Object.keys(a);
    return (
      ka.length === Object.keys(b).length &&
      ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]))
    );
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Helpers: the only functions a template can call (documented in docs/control-repository.md).

interface Helper {
  min: number;
  max: number;
  fn: (args: unknown[], fail: (message: string) => never) => unknown;
}

function needList(v: unknown, name: string, fail: (m: string) => never): unknown[] {
  if (!Array.isArray(v)) fail(`${name}() needs a list, got ${kind(v)}`);
  return v as unknown[];
}

function needHash(v: unknown, name: string, fail: (m: string) => never): Record<string, unknown> {
  if (!isHashValue(v)) fail(`${name}() needs a hash, got ${kind(v)}`);
  return v as Record<string, unknown>;
}

function needString(v: unknown, name: string, fail: (m: string) => never): string {
  if (typeof v !== 'string') fail(`${name}() needs a string, got ${kind(v)}`);
  return v as string;
}

const HELPERS: Record<string, Helper> = {
  join: {
    min: 1,
    max: 2,
    fn: ([list, sep], fail) => {
      const items = needList(list, 'join', fail);
      const separator = sep === undefined ? '' : needString(sep, 'join', fail);
      return items
        .map((x, i) => {
          if (typeof x === 'number' || x instanceof PuppetFloat) return numberText(x);
          if (typeof x === 'string' || typeof x === 'boolean') return String(x);
          return fail(`join(): item ${i} is ${kind(x)}, not a string, number or boolean`);
        })
        .join(separator);
    },
  },
  split: {
    min: 2,
    max: 2,
    fn: ([s, sep], fail) => needString(s, 'split', fail).split(needString(sep, 'split', fail)),
  },
  sort: {
    min: 1,
    max: 1,
    fn: ([v], fail) => {
      if (isHashValue(v)) {
        // no prototype: a key named __proto__ stays a key
        const sorted = Object.create(null) as Record<string, unknown>;
        for (const k of Object.keys(v).sort()) sorted[k] = v[k];
        copyIntegerKeys(v, sorted);
        return sorted;
      }
      const items = needList(v, 'sort', fail);
      if (items.every((x) => numericValue(x) !== undefined)) return [...items].sort(compareValues);
      if (items.every((x) => typeof x === 'string')) return [...(items as string[])].sort();
      return fail('sort() needs a hash, or a list of only strings or only numbers');
    },
  },
  keys: {
    min: 1,
    max: 1,
    fn: ([h], fail) => {
      const hash = needHash(h, 'keys', fail);
      return Object.keys(hash).map((k) => hashKeyValue(hash, k));
    },
  },
  values: { min: 1, max: 1, fn: ([h], fail) => Object.values(needHash(h, 'values', fail)) },
  pick: {
    min: 1,
    max: 16,
    fn: (args, fail) => {
      for (const a of args) if (a !== undefined && a !== null && a !== '') return a;
      return fail('pick(): every value is undef or empty');
    },
  },
  length: {
    min: 1,
    max: 1,
    fn: ([v], fail) => {
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      if (isHashValue(v)) return Object.keys(v).length;
      return fail(`length() needs a string, list or hash, got ${kind(v)}`);
    },
  },
  upcase: { min: 1, max: 1, fn: ([s], fail) => needString(s, 'upcase', fail).toUpperCase() },
  downcase: { min: 1, max: 1, fn: ([s], fail) => needString(s, 'downcase', fail).toLowerCase() },
  strip: { min: 1, max: 1, fn: ([s], fail) => needString(s, 'strip', fail).trim() },
};

export const HELPER_NAMES = Object.keys(HELPERS);

// ---------------------------------------------------------------------------------------------
// Lexer for the inside of a tag

type Token =
  | { t: 'name'; v: string; at: number }
  | { t: 'num'; v: number; at: number }
  | { t: 'str'; v: string; at: number }
  | { t: 'op'; v: string; at: number }
  | { t: 'end'; trim: boolean; at: number };

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r' };

const OPERATORS = ['==', '!=', '<=', '>=', '<', '>', '+', '(', ')', '[', ']', ',', '.', '!', '-'];

// ---------------------------------------------------------------------------------------------
// Parser: text and tags into closures

/** A `for` or `if` whose `end` has not come yet. */
interface OpenBlock {
  kind: 'for' | 'if';
  at: number;
  /** The parts the block's result is added to. */
  outer: Emit[];
  /** if: the conditions and the bodies seen so far. */
  conds?: Eval[];
  bodies?: Emit[][];
  hasElse?: boolean;
  finish(last: Emit[]): void;
}

/** Nesting of blocks and of expressions: deeper is a mistake, not a template. */
const MAX_DEPTH = 64;

class Parser {
  private pos = 0;
  private readonly lineStarts: number[] = [0];
  /** Names in scope, innermost last, with their slot in the scope array. */
  private readonly names: { name: string; slot: number }[] = TEMPLATE_ROOTS.map((name, slot) => ({
    name,
    slot,
  }));
  maxSlots: number = TEMPLATE_ROOTS.length;
  private tokens: Token[] = [];
  private ti = 0;

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  private lineCol(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.lineStarts[lo]! + 1 };
  }

  private fail(message: string, offset: number): never {
    const { line, col } = this.lineCol(offset);
    throw new TemplateError(message, line, col);
  }

  /** The whole template: text, output tags and blocks, until the end of the text. */
  parseBody(): Emit {
    const stack: OpenBlock[] = [];
    const top: Emit[] = [];
    let parts = top;
    const text = this.text;
    let pendingTrim = false;
    while (this.pos < text.length) {
      const open = text.indexOf('<%', this.pos);
      let chunk = text.slice(this.pos, open === -1 ? text.length : open);
      if (pendingTrim) {
        if (chunk.startsWith('\r\n')) chunk = chunk.slice(2);
        else if (chunk.startsWith('\n')) chunk = chunk.slice(1);
        pendingTrim = false;
      }
      if (open === -1) {
        pushText(parts, chunk);
        break;
      }
      if (text.startsWith('<%%', open)) {
        pushText(parts, `${chunk}<%`);
        this.pos = open + 3;
        continue;
      }
      let p = open + 2;
      if (text[p] === '-') {
        // `<%-` drops the indentation before the tag on its line
        p++;
        const lineStart = chunk.lastIndexOf('\n') + 1;
        if (/^[ \t]*$/.test(chunk.slice(lineStart))) chunk = chunk.slice(0, lineStart);
      }
      pushText(parts, chunk);
      if (text[p] === '#') {
        const close = text.indexOf('%>', p);
        if (close === -1) this.fail('comment <%# is not closed with %>', open);
        pendingTrim = text[close - 1] === '-';
        this.pos = close + 2;
        continue;
      }
      const output = text[p] === '=';
      if (output) p++;
      this.lex(p, open);
      if (output) {
        const at = this.peek().at;
        if (this.peek().t === 'end') this.fail('<%= needs an expression', at);
        const expr = this.expression();
        pendingTrim = this.expectEnd().trim;
        const { line, col } = this.lineCol(at);
        parts.push((scope, state) => {
          state.out += scalarText(expr(scope), 'the value', line, col);
        });
        continue;
      }
      const first = this.peek();
      if (first.t !== 'name') this.fail('expected for, if, elsif, else or end', first.at);
      this.ti++;
      const current = stack[stack.length - 1];
      switch (first.v) {
        case 'for': {
          if (stack.length >= MAX_DEPTH) this.fail(`blocks nest deeper than ${MAX_DEPTH}`, first.at);
          const loop = this.forHead(first.at);
          pendingTrim = this.expectEnd().trim;
          const outer = parts;
          stack.push({
            kind: 'for',
            at: first.at,
            outer,
            finish: (body) => {
              this.names.length -= loop.names.length;
              outer.push(loop.make(sequence(body)));
            },
          });
          parts = [];
          break;
        }
        case 'if': {
          if (stack.length >= MAX_DEPTH) this.fail(`blocks nest deeper than ${MAX_DEPTH}`, first.at);
          const conds: Eval[] = [this.expression()];
          pendingTrim = this.expectEnd().trim;
          const bodies: Emit[][] = [];
          const outer = parts;
          stack.push({
            kind: 'if',
            at: first.at,
            outer,
            conds,
            bodies,
            finish: (last) => {
              bodies.push(last);
              const branches = bodies.map(sequence);
              const n = conds.length;
              outer.push((scope, state) => {
                for (let i = 0; i < n; i++) {
                  if (truthy(conds[i]!(scope))) return branches[i]!(scope, state);
                }
                if (branches.length > n) branches[n]!(scope, state);
              });
            },
          });
          parts = [];
          break;
        }
        case 'elsif':
        case 'else': {
          if (!current || current.kind !== 'if') this.fail(`${first.v} without an open if`, first.at);
          if (current.hasElse) this.fail(`${first.v} after else`, first.at);
          if (first.v === 'elsif') current.conds!.push(this.expression());
          else current.hasElse = true;
          pendingTrim = this.expectEnd().trim;
          current.bodies!.push(parts);
          parts = [];
          break;
        }
        case 'end': {
          if (!current) this.fail('end without an open for or if', first.at);
          pendingTrim = this.expectEnd().trim;
          stack.pop();
          current.finish(parts);
          parts = current.outer;
          break;
        }
        default:
          this.fail(
            `'${first.v}' is not a template statement: a <% %> tag holds for, if, elsif, else or end (a template is not JavaScript or Ruby)`,
            first.at,
          );
      }
    }
    const unclosed = stack.pop();
    if (unclosed) this.fail(`${unclosed.kind} has no matching <% end %>`, unclosed.at);
    return sequence(top);
  }

  /** `for x in expr` / `for key, value in expr` after the `for`. */
  private forHead(at: number): { names: string[]; make: (body: Emit) => Emit } {
    const names: string[] = [];
    for (;;) {
      const tok = this.peek();
      if (tok.t !== 'name') {
        this.fail(
          tok.t === 'op' && tok.v === '('
            ? 'write a loop as `for item in list` or `for key, value in hash` (a template is not JavaScript)'
            : 'expected a loop variable name after for',
          tok.at,
        );
      }
      if ((TEMPLATE_ROOTS as readonly string[]).includes(tok.v) || HELPERS[tok.v] || KEYWORDS.has(tok.v)) {
        this.fail(`'${tok.v}' cannot be a loop variable`, tok.at);
      }
      this.ti++;
      names.push(tok.v);
      if (!this.acceptOp(',')) break;
    }
    if (names.length > 2) this.fail('a loop has one or two variables', at);
    const inTok = this.peek();
    if (inTok.t !== 'name' || inTok.v !== 'in') this.fail("expected 'in' after the loop variables", inTok.at);
    this.ti++;
    const exprAt = this.peek().at;
    const source = this.expression();
    const slots = names.map((name) => {
      const slot = this.names.length;
      this.names.push({ name, slot });
      this.maxSlots = Math.max(this.maxSlots, slot + 1);
      return slot;
    });
    const { line, col } = this.lineCol(exprAt);
    const two = names.length === 2;
    const [s0, s1] = slots as [number, number];
    return {
      names,
      make: (body) => (scope, state) => {
        const v = source(scope);
        const step = (): void => {
          if (++state.iterations > MAX_ITERATIONS) {
            throw new TemplateError(`loops run more than ${MAX_ITERATIONS} times`, line, col);
          }
          if (state.out.length > MAX_OUTPUT_CHARS) {
            throw new TemplateError(`the output is longer than ${MAX_OUTPUT_CHARS} characters`, line, col);
          }
        };
        if (Array.isArray(v)) {
          for (let i = 0; i < v.length; i++) {
            step();
            if (two) {
              scope[s0] = i;
              scope[s1] = v[i];
            } else scope[s0] = v[i];
            body(scope, state);
          }
        } else if (isHashValue(v)) {
          if (!two) {
            throw new TemplateError('a hash is looped over as `for key, value in hash`', line, col);
          }
          for (const k of Object.keys(v)) {
            step();
            // an Integer key (`80: http`) is an Integer in the template too, as in Puppet
            scope[s0] = hashKeyValue(v, k);
            scope[s1] = v[k];
            body(scope, state);
          }
        } else {
          throw new TemplateError(`for needs a list or a hash, got ${kind(v)}`, line, col);
        }
      },
    };
  }

  // --- tokens ------------------------------------------------------------------------------

  /** Tokenizes from `p` up to and including the closing `%>`. */
  private lex(p: number, open: number): void {
    const text = this.text;
    const tokens: Token[] = [];
    for (;;) {
      while (p < text.length && /\s/.test(text[p]!)) p++;
      if (p >= text.length) this.fail('tag <% is not closed with %>', open);
      const c = text[p]!;
      if (text.startsWith('-%>', p)) {
        tokens.push({ t: 'end', trim: true, at: p });
        this.pos = p + 3;
        break;
      }
      if (text.startsWith('%>', p)) {
        tokens.push({ t: 'end', trim: false, at: p });
        this.pos = p + 2;
        break;
      }
      if (/[A-Za-z_]/.test(c)) {
        let q = p + 1;
        while (q < text.length && /[A-Za-z0-9_]/.test(text[q]!)) q++;
        tokens.push({ t: 'name', v: text.slice(p, q), at: p });
        p = q;
        continue;
      }
      if (/[0-9]/.test(c)) {
        const m = /^[0-9]+(?:\.[0-9]+)?/.exec(text.slice(p, p + 64))!;
        tokens.push({ t: 'num', v: Number(m[0]), at: p });
        p += m[0].length;
        continue;
      }
      if (c === "'" || c === '"') {
        let q = p + 1;
        let v = '';
        for (;;) {
          if (q >= text.length || text[q] === '\n') this.fail('string is not closed', p);
          const d = text[q]!;
          if (d === c) break;
          if (d === '\\' && q + 1 < text.length) {
            const e = text[q + 1]!;
            if (e === c || e === '\\') v += e;
            else if (c === '"' && ESCAPES[e] !== undefined) v += ESCAPES[e];
            else v += `\\${e}`;
            q += 2;
            continue;
          }
          v += d;
          q++;
        }
        tokens.push({ t: 'str', v, at: p });
        p = q + 1;
        continue;
      }
      // any other character is left to the parser, which says what it expected there
      const op = OPERATORS.find((o) => text.startsWith(o, p)) ?? String.fromCodePoint(text.codePointAt(p)!);
      tokens.push({ t: 'op', v: op, at: p });
      p += op.length;
    }
    this.tokens = tokens;
    this.ti = 0;
  }

  private peek(): Token {
    return this.tokens[this.ti]!;
  }

  private acceptOp(v: string): boolean {
    const tok = this.peek();
    if (tok.t === 'op' && tok.v === v) {
      this.ti++;
      return true;
    }
    return false;
  }

  private expectOp(v: string): void {
    if (!this.acceptOp(v)) this.fail(`expected '${v}'`, this.peek().at);
  }

  private acceptWord(v: string): boolean {
    const tok = this.peek();
    if (tok.t === 'name' && tok.v === v) {
      this.ti++;
      return true;
    }
    return false;
  }

  private expectEnd(): { trim: boolean } {
    const tok = this.peek();
    if (tok.t !== 'end') this.fail('expected %> here', tok.at);
    return { trim: tok.trim };
  }

  // --- expressions -------------------------------------------------------------------------

  private depth = 0;

  private expression(): Eval {
    if (++this.depth > MAX_DEPTH) this.fail(`an expression nests deeper than ${MAX_DEPTH}`, this.peek().at);
    try {
      return this.or();
    } finally {
      this.depth--;
    }
  }

  private or(): Eval {
    let left = this.and();
    while (this.acceptWord('or')) {
      const l = left;
      const r = this.and();
      left = (s) => truthy(l(s)) || truthy(r(s));
    }
    return left;
  }

  private and(): Eval {
    let left = this.not();
    while (this.acceptWord('and')) {
      const l = left;
      const r = this.not();
      left = (s) => truthy(l(s)) && truthy(r(s));
    }
    return left;
  }

  private not(): Eval {
    if (this.acceptWord('not') || this.acceptOp('!')) {
      if (++this.depth > MAX_DEPTH) this.fail(`an expression nests deeper than ${MAX_DEPTH}`, this.peek().at);
      const e = this.not();
      this.depth--;
      return (s) => !truthy(e(s));
    }
    return this.comparison();
  }

  private comparison(): Eval {
    const left = this.sum();
    const tok = this.peek();
    const isIn = tok.t === 'name' && tok.v === 'in';
    if (!isIn && (tok.t !== 'op' || !['==', '!=', '<', '<=', '>', '>='].includes(tok.v))) return left;
    this.ti++;
    const right = this.sum();
    const { line, col } = this.lineCol(tok.at);
    if (isIn) {
      return (s) => {
        const needle = left(s);
        const hay = right(s);
        if (Array.isArray(hay)) return hay.some((x) => deepEqual(x, needle));
        if (isHashValue(hay))
          return typeof needle === 'string' && Object.prototype.hasOwnProperty.call(hay, needle);
        if (typeof hay === 'string' && typeof needle === 'string') return hay.includes(needle);
        throw new TemplateError(
          `'in' needs a list, hash or string on its right, got ${kind(hay)}`,
          line,
          col,
        );
      };
    }
    const op = (tok as { v: string }).v;
    if (op === '==') return (s) => deepEqual(left(s), right(s));
    if (op === '!=') return (s) => !deepEqual(left(s), right(s));
    return (s) => {
      const a = left(s);
      const b = right(s);
      const comparable =
        (numericValue(a) !== undefined && numericValue(b) !== undefined) ||
        (typeof a === 'string' && typeof b === 'string');
      if (!comparable) throw new TemplateError(`cannot compare ${kind(a)} with ${kind(b)}`, line, col);
      const c = compareValues(a, b);
      return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
    };
  }

  private sum(): Eval {
    let left = this.postfix();
    for (;;) {
      const tok = this.peek();
      if (!this.acceptOp('+')) return left;
      const l = left;
      const r = this.postfix();
      const { line, col } = this.lineCol(tok.at);
      left = (s) => {
        const a = l(s);
        const b = r(s);
        const na = numericValue(a);
        const nb = numericValue(b);
        if (na !== undefined && nb !== undefined) {
          // as in Puppet, a Float on either side makes the sum a Float (`4.0 + 1` is `5.0`)
          return isFloatValue(a) || isFloatValue(b) ? floatValue(na + nb) : na + nb;
        }
        if (typeof a === 'string' && typeof b === 'string') return a + b;
        if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
        throw new TemplateError(`cannot add ${kind(b)} to ${kind(a)}`, line, col);
      };
    }
  }

  private postfix(): Eval {
    const start = this.peek().at;
    let e = this.primary();
    for (;;) {
      const tok = this.peek();
      if (this.acceptOp('.')) {
        const name = this.peek();
        if (name.t !== 'name') this.fail("expected a key name after '.'", name.at);
        this.ti++;
        if (this.peek().t === 'op' && (this.peek() as { v: string }).v === '(') {
          this.fail(
            `'.${name.v}(' calls a method: templates call only helpers, as ${name.v}(x, ...) (${HELPER_NAMES.join(', ')})`,
            name.at,
          );
        }
        e = this.memberOf(e, () => name.v, start, tok.at);
        continue;
      }
      if (this.acceptOp('[')) {
        const key = this.expression();
        this.expectOp(']');
        e = this.memberOf(e, key, start, tok.at);
        continue;
      }
      if (tok.t === 'op' && tok.v === '(') {
        this.fail('only helpers can be called, by name', tok.at);
      }
      return e;
    }
  }

  private memberOf(target: Eval, key: Eval, start: number, at: number): Eval {
    const { line, col } = this.lineCol(at);
    const source = this.text.slice(start, at);
    return (s) => {
      const k = key(s);
      return member(target(s), k, () => `${source}[${JSON.stringify(k)}]`, line, col);
    };
  }

  private primary(): Eval {
    const tok = this.peek();
    switch (tok.t) {
      case 'num': {
        this.ti++;
        const v = tok.v;
        return () => v;
      }
      case 'str': {
        this.ti++;
        const v = tok.v;
        return () => v;
      }
      case 'end':
        return this.fail('expected a value here', tok.at);
      case 'op': {
        if (tok.v === '(') {
          this.ti++;
          const e = this.expression();
          this.expectOp(')');
          return e;
        }
        if (tok.v === '[') {
          this.ti++;
          const items: Eval[] = [];
          if (!this.acceptOp(']')) {
            do items.push(this.expression());
            while (this.acceptOp(','));
            this.expectOp(']');
          }
          return (s) => items.map((i) => i(s));
        }
        if (tok.v === '-') {
          this.ti++;
          const n = this.peek();
          if (n.t !== 'num') this.fail("'-' is allowed only before a number", tok.at);
          this.ti++;
          const v = -n.v;
          return () => v;
        }
        return this.fail(`unexpected '${tok.v}'`, tok.at);
      }
      case 'name':
        break;
    }
    this.ti++;
    const name = tok.v;
    if (name === 'true') return () => true;
    if (name === 'false') return () => false;
    if (name === 'undef') return () => undefined;
    const next = this.peek();
    if (next.t === 'op' && next.v === '(') {
      const helper = Object.prototype.hasOwnProperty.call(HELPERS, name) ? HELPERS[name] : undefined;
      if (!helper) {
        this.fail(`unknown function '${name}': templates can call ${HELPER_NAMES.join(', ')}`, tok.at);
      }
      this.ti++;
      const args: Eval[] = [];
      if (!this.acceptOp(')')) {
        do args.push(this.expression());
        while (this.acceptOp(','));
        this.expectOp(')');
      }
      if (args.length < helper.min || args.length > helper.max) {
        this.fail(
          `${name}() takes ${helper.min === helper.max ? helper.min : `${helper.min} to ${helper.max}`} argument${helper.max === 1 ? '' : 's'}, got ${args.length}`,
          tok.at,
        );
      }
      const { line, col } = this.lineCol(tok.at);
      const fail = (message: string): never => {
        throw new TemplateError(message, line, col);
      };
      const fn = helper.fn;
      return (s) =>
        fn(
          args.map((a) => a(s)),
          fail,
        );
    }
    if (KEYWORDS.has(name)) this.fail(`'${name}' cannot be used as a value`, tok.at);
    for (let i = this.names.length - 1; i >= 0; i--) {
      const n = this.names[i]!;
      if (n.name === name) {
        const slot = n.slot;
        return (s) => s[slot];
      }
    }
    return this.fail(
      `unknown name '${name}': a template sees ${TEMPLATE_ROOTS.join(', ')} and its loop variables`,
      tok.at,
    );
  }
}

const KEYWORDS = new Set([
  'for',
  'in',
  'if',
  'elsif',
  'else',
  'end',
  'and',
  'or',
  'not',
  'true',
  'false',
  'undef',
]);

function pushText(parts: Emit[], text: string): void {
  if (text === '') return;
  parts.push((_scope, state) => {
    state.out += text;
  });
}

function sequence(parts: Emit[]): Emit {
  // adjacent texts are common (a trimmed line, then the next): one closure per part is enough
  if (parts.length === 1) return parts[0]!;
  return (scope, state) => {
    for (let i = 0; i < parts.length; i++) parts[i]!(scope, state);
  };
}
