// Psych's reading of YAML scalars (Ruby's YAML, which Puppet uses for Hiera data): a port of
// Psych 4.0's ScalarScanner and of the tags `safe_load` accepts. A YAML 1.1 or 1.2 schema
// disagrees with Psych on many plain scalars: `y` and `n` stay Strings, `1:20` is 4800, `1,000`
// is 1000, `2e3` is a String, `0o10` is a String, a date is a load error (safe_load refuses Date),
// `:sym` is a Symbol. Hiera data and control repository files are both read through this
// (docs/control-repository.md), so one scalar means the same everywhere.

/** What safe_load refuses (a date, a Ruby class tag), at `offset` in the text. */
export class YamlLoadError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly limit = false,
  ) {
    super(message);
  }
}

/** A scalar as Psych types it. */
export type Scanned =
  | { t: 'str'; v: string }
  | { t: 'int'; v: number }
  | { t: 'float'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'null' }
  | { t: 'sym'; v: string };

const STRINGISH = /^[^\d.:-]?[\p{Alphabetic}_ \t\n\v\f\r!@#$%^&*(){}<>|/\\~;=]+/mu;
const TIME =
  /^-?\d{4}-\d{1,2}-\d{1,2}(?:[Tt]|[ \t\n\v\f\r]+)\d{1,2}:\d\d:\d\d(?:\.\d*)?(?:[ \t\n\v\f\r]*(?:Z|[-+]\d{1,2}:?(?:\d\d)?))?$/m;
const DATE = /^\d{4}-(?:1[012]|0\d|\d)-(?:[12]\d|3[01]|0\d|\d)$/m;
const FLOAT = /^(?:[-+]?([0-9][0-9_,]*)?\.[0-9]*([eE][-+][0-9]+)?)$/m;
const INTEGER =
  /^(?:[-+]?0b[0-1_,]+|[-+]?0[0-7_,]+|[-+]?(?:0|[1-9](?:[0-9]|,[0-9]|_[0-9])*)|[-+]?0x[0-9a-fA-F_,]+)$/m;
const SEXAGESIMAL_INT = /^[-+]?[0-9][0-9_]*(:[0-5]?[0-9]){1,2}$/m;
const SEXAGESIMAL_FLOAT = /^[-+]?[0-9][0-9_]*(:[0-5]?[0-9]){1,2}\.[0-9_]*$/m;

/** Ruby's `String#to_i` (leading integer, underscores between digits allowed, else 0). */
function rubyToI(s: string): number {
  const m = /^\s*([-+]?)(\d+(?:_\d+)*)/.exec(s);
  if (!m) return 0;
  const n = Number(m[2]!.replace(/_/g, ''));
  return m[1] === '-' ? -n : n;
}

/** Ruby's `String#to_f`. */
function rubyToF(s: string): number {
  const m = /^\s*[-+]?(?:\d+(?:_\d+)*)?(?:\.\d+(?:_\d+)*)?(?:[eE][-+]?\d+)?/.exec(s);
  const n = m ? Number(m[0].replace(/_/g, '')) : NaN;
  return Number.isNaN(n) ? 0 : n;
}

/** Ruby's `Integer(str)` for what the INTEGER pattern lets through. */
function rubyInteger(s: string): number | undefined {
  const m = /^([-+]?)(0b|0x|0)?(.*)$/i.exec(s)!;
  const sign = m[1] === '-' ? -1 : 1;
  const prefix = (m[2] ?? '').toLowerCase();
  const digits = m[3]!;
  if (prefix === '0' && digits === '') return 0;
  if (digits === '') return undefined;
  const radix = prefix === '0b' ? 2 : prefix === '0x' ? 16 : prefix === '0' ? 8 : 10;
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^\d+$/, 16: /^[0-9a-f]+$/i }[radix]!;
  if (!valid.test(digits)) return undefined;
  return sign * parseInt(digits, radix);
}

/** Port of Psych 4.0 `ScalarScanner#tokenize`. Throws YamlLoadError for what safe_load refuses. */
function tokenize(s: string, offset: number): Scanned {
  if (s === '') return { t: 'null' };
  if (STRINGISH.test(s) || s.includes('\n')) {
    if ([...s].length > 5) return { t: 'str', v: s };
    if (/^[^ytonf~]/im.test(s)) return { t: 'str', v: s };
    if (s === '~' || /^null$/im.test(s)) return { t: 'null' };
    if (/^(yes|true|on)$/im.test(s)) return { t: 'bool', v: true };
    if (/^(no|false|off)$/im.test(s)) return { t: 'bool', v: false };
    return { t: 'str', v: s };
  }
  if (TIME.test(s)) throw new YamlLoadError('Tried to load unspecified class: Time', offset);
  if (DATE.test(s)) throw new YamlLoadError('Tried to load unspecified class: Date', offset);
  if (/^\+?\.inf$/im.test(s)) return { t: 'float', v: Infinity };
  if (/^-\.inf$/im.test(s)) return { t: 'float', v: -Infinity };
  if (/^\.nan$/im.test(s)) return { t: 'float', v: NaN };
  if (/^:./m.test(s)) {
    const q = /^:(["'])(.*)\1/.exec(s);
    return { t: 'sym', v: q ? q[2]!.replace(/^:/, '') : s.replace(/^:/, '') };
  }
  if (SEXAGESIMAL_INT.test(s)) {
    const parts = s.split(':');
    let n = 0;
    parts.forEach((p, e) => (n += rubyToI(p) * 60 ** Math.abs(e - 2)));
    return { t: 'int', v: n };
  }
  if (SEXAGESIMAL_FLOAT.test(s)) {
    const parts = s.split(':');
    let n = 0;
    parts.forEach((p, e) => (n += rubyToF(p) * 60 ** Math.abs(e - 2)));
    return { t: 'float', v: n };
  }
  if (FLOAT.test(s)) {
    if (/^[-+]?\.$/.test(s)) return { t: 'str', v: s };
    return { t: 'float', v: Number(s.replace(/[,_]|\.([Ee]|$)/g, '$1')) };
  }
  if (INTEGER.test(s)) {
    const n = rubyInteger(s.replace(/[,_]/g, ''));
    if (n === undefined) throw new YamlLoadError(`invalid value for Integer(): "${s}"`, offset);
    return { t: 'int', v: n };
  }
  return { t: 'str', v: s };
}

/** Ruby's `Float(str)` (strict). */
function rubyFloat(s: Scanned, offset: number): number {
  if (s.t === 'int' || s.t === 'float') return s.v;
  if (s.t === 'str' && /^[-+]?(\d+(_\d+)*)(\.\d+(_\d+)*)?([eE][-+]?\d+)?$/.test(s.v.trim())) {
    return Number(s.v.trim().replace(/_/g, ''));
  }
  throw new YamlLoadError(`invalid value for Float(): ${JSON.stringify(s.t === 'str' ? s.v : null)}`, offset);
}

const DISALLOWED_SCALAR_TAGS = new Map([
  ['!ruby/object:BigDecimal', 'BigDecimal'],
  ['!ruby/object:DateTime', 'DateTime'],
  ['!ruby/encoding', 'Encoding'],
  ['!ruby/object:Complex', 'Complex'],
  ['!ruby/object:Rational', 'Rational'],
  ['!ruby/class', 'Class'],
  ['!ruby/module', 'Module'],
  ['!ruby/regexp', 'Regexp'],
  ['!ruby/range', 'Range'],
]);

/** The parts of a `yaml` package Scalar node that decide its Psych type. */
export interface ScalarNode {
  value?: unknown;
  /** `PLAIN` or a quoted/block style; undefined counts as plain. */
  type?: string;
  tag?: string;
  range?: readonly number[] | null;
}

/** Types one scalar node as Psych does. Throws YamlLoadError for what safe_load refuses. */
export function scanScalar(node: ScalarNode): Scanned {
  const raw = node.value === null || node.value === undefined ? '' : String(node.value);
  const offset = node.range?.[0] ?? 0;
  const tag = node.tag;
  const quoted = node.type !== 'PLAIN' && node.type !== undefined;
  if (!tag) return quoted ? { t: 'str', v: raw } : tokenize(raw, offset);
  if (tag === '!binary' || tag === 'tag:yaml.org,2002:binary') {
    return { t: 'str', v: Buffer.from(raw, 'base64').toString('utf8') };
  }
  if (/^!(?:str|ruby\/string)(?::(.*))?$/.test(tag) || tag === 'tag:yaml.org,2002:str')
    return { t: 'str', v: raw };
  const disallowed = DISALLOWED_SCALAR_TAGS.get(tag);
  if (disallowed) throw new YamlLoadError(`Tried to load unspecified class: ${disallowed}`, offset);
  if (tag === 'tag:yaml.org,2002:float' || tag === '!float') {
    return { t: 'float', v: rubyFloat(tokenize(raw, offset), offset) };
  }
  if (/^!ruby\/sym(bol)?:?(.*)?$/.test(tag)) return { t: 'sym', v: raw };
  return tokenize(raw, offset);
}
