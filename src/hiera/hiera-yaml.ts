// Reads YAML exactly as Puppet's Hiera does: Ruby's Psych (YAML 1.1) through `safe_load`.
// The `yaml` package parses the text (with positions); every scalar is then typed by a port of
// Psych's ScalarScanner, because a YAML 1.1 or 1.2 schema disagrees with Psych on many plain
// scalars: `y` stays a String, `1:20` is 4800, `1,000` is 1000, `2e3` is a String, a date is a
// load error (safe_load refuses Date), `:sym` is a Symbol (which Hiera refuses as a value).
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments } from 'yaml';
import type { Node as YamlNode, Document } from 'yaml';
import {
  type Hash,
  hasOwn,
  isHash,
  markIntegerKey,
  copyIntegerKeys,
  rubyFloatToString,
} from './hiera-values.js';

export interface TextPos {
  line: number;
  col: number;
}

/** A data file as Hiera sees it: the top-level hash, or why it cannot be used. */
export interface ParsedYaml {
  /** The document's value (any YAML value; `undefined` for an empty document). */
  value: unknown;
  /** Top-level keys whose value Puppet refuses to return (a Symbol, a Boolean hash key ...). */
  invalid: Map<string, string>;
  /** Where each top-level key is written. */
  keyPositions: Map<string, TextPos>;
  /** Duplicate keys (Psych keeps the last one silently). */
  duplicates: { key: string; pos: TextPos }[];
  /** `limit`: the file is refused for its size, not for its syntax (HIERA_LIMIT). */
  error?: { message: string; pos: TextPos; limit?: boolean };
}

/**
 * Values YAML aliases may add to one file (each alias counts the values it stands for). Anchors
 * that share a few hashes stay far below; an alias bomb (9 aliases of 9 aliases ...) stands for
 * hundreds of millions of values, which would kill whatever walks the value later.
 */
export const MAX_ALIAS_VALUES = 100_000;

/** Psych's Symbol: allowed by Puppet's safe_load, refused later as a lookup value. */
class RubySymbol {
  constructor(readonly name: string) {}
}

class YamlLoadError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly limit = false,
  ) {
    super(message);
  }
}

type Scanned =
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

function scanScalar(node: YamlNode & { type?: string; tag?: string; value?: unknown }): Scanned {
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

interface Converted {
  value: unknown;
  invalid?: string;
  /** How many values it stands for, aliases expanded. */
  size: number;
}

class Converter {
  private readonly memo = new Map<YamlNode, Converted>();
  readonly duplicates: { key: string; offset: number }[] = [];
  /** Values added by aliases so far. */
  private aliased = 0;

  constructor(private readonly doc: Document) {}

  convert(node: YamlNode | null | undefined): Converted {
    if (node === null || node === undefined) return { value: null, size: 1 };
    if (isAlias(node)) {
      const offset = node.range?.[0] ?? 0;
      const target = node.resolve(this.doc);
      if (!target) throw new YamlLoadError(`unknown alias: ${node.source}`, offset);
      const c = this.convert(target as YamlNode);
      this.aliased += c.size;
      if (this.aliased > MAX_ALIAS_VALUES) {
        throw new YamlLoadError(
          `YAML aliases expand this file by more than ${MAX_ALIAS_VALUES} values (the alias *${node.source} here goes over)`,
          offset,
          true,
        );
      }
      return c;
    }
    const cached = this.memo.get(node);
    if (cached) return cached;
    let out: Converted;
    if (isScalar(node)) {
      const s = scanScalar(node as never);
      switch (s.t) {
        case 'null':
          out = { value: null, size: 1 };
          break;
        case 'sym':
          out = { value: new RubySymbol(s.v), invalid: "Runtime[ruby, 'Symbol']", size: 1 };
          break;
        case 'str':
        case 'int':
        case 'float':
        case 'bool':
          out = { value: s.v, size: 1 };
      }
    } else if (isSeq(node)) {
      this.refuseRubyTag(node.tag, node.range?.[0] ?? 0);
      const arr: unknown[] = [];
      let invalid: string | undefined;
      let size = 1;
      for (const item of node.items) {
        const c = this.convert(item as YamlNode);
        arr.push(c.value);
        size += c.size;
        invalid ??= c.invalid;
      }
      out = { value: arr, size, ...(invalid ? { invalid } : {}) };
    } else if (isMap(node)) {
      this.refuseRubyTag(node.tag, node.range?.[0] ?? 0);
      out = this.convertMap(node.items as never, false).converted;
    } else {
      out = { value: null, size: 1 };
    }
    this.memo.set(node, out);
    return out;
  }

  private refuseRubyTag(tag: string | undefined, offset: number): void {
    if (!tag) return;
    if (tag.startsWith('!ruby/') || /(?:^!|:)(?:set|omap)$/.test(tag)) {
      throw new YamlLoadError(`Tried to load unspecified class: ${tag}`, offset);
    }
  }

  /** Psych's `revive_hash`, `<<` merge keys included; keys typed like scalars. */
  convertMap(
    items: { key: YamlNode | null; value: YamlNode | null }[],
    topLevel: boolean,
  ): { converted: Converted; perKey: Map<string, { invalid?: string; offset: number }> } {
    const hash: Hash = {};
    const perKey = new Map<string, { invalid?: string; offset: number }>();
    let invalid: string | undefined;
    let size = 1;
    for (const pair of items) {
      const keyNode = pair.key;
      const offset = keyNode?.range?.[0] ?? 0;
      let key: string;
      let keyInvalid: string | undefined;
      let integerKey = false;
      let keyTag: string | undefined;
      if (keyNode && isScalar(keyNode)) {
        keyTag = keyNode.tag;
        const s = scanScalar(keyNode as never);
        switch (s.t) {
          case 'str':
          case 'sym':
            key = s.v;
            break;
          case 'int':
            key = String(s.v);
            integerKey = true;
            break;
          case 'float':
            key = rubyFloatToString(s.v);
            break;
          case 'bool':
            key = String(s.v);
            keyInvalid = 'Hash[Boolean, ...]';
            break;
          case 'null':
            key = '';
            keyInvalid = 'Hash[Undef, ...]';
            break;
        }
      } else {
        const c = this.convert(keyNode);
        key = JSON.stringify(c.value) ?? '';
        keyInvalid = 'Hash[Collection, ...]';
      }
      const val = this.convert(pair.value);
      size += 1 + val.size;
      if (key === '<<' && !integerKey && keyTag !== 'tag:yaml.org,2002:str' && !keyInvalid) {
        const target = pair.value && isAlias(pair.value) ? pair.value.resolve(this.doc) : pair.value;
        if (target && isMap(target) && isHash(val.value)) {
          this.mergeInto(hash, val.value, offset, perKey, val.invalid);
          invalid ??= val.invalid;
          continue;
        }
        if (target && isSeq(target) && Array.isArray(val.value) && val.value.every(isHash)) {
          const merged: Hash = {};
          for (const h of [...(val.value as Hash[])].reverse()) {
            for (const k of Object.keys(h)) merged[k] = h[k];
            copyIntegerKeys(h, merged);
          }
          this.mergeInto(hash, merged, offset, perKey, val.invalid);
          invalid ??= val.invalid;
          continue;
        }
      }
      if (hasOwn(hash, key)) this.duplicates.push({ key, offset });
      hash[key] = val.value;
      if (integerKey) markIntegerKey(hash, key);
      const why = keyInvalid ?? val.invalid;
      if (topLevel && (keyInvalid || integerKey)) {
        // Unreachable by a lookup key (Puppet looks up String keys only): leave it out.
        delete hash[key];
        continue;
      }
      perKey.set(key, { ...(val.invalid ? { invalid: val.invalid } : {}), offset });
      invalid ??= why;
    }
    return { converted: { value: hash, size, ...(invalid ? { invalid } : {}) }, perKey };
  }

  private mergeInto(
    hash: Hash,
    from: Hash,
    offset: number,
    perKey: Map<string, { invalid?: string; offset: number }>,
    invalid: string | undefined,
  ): void {
    for (const k of Object.keys(from)) {
      hash[k] = from[k];
      perKey.set(k, { ...(invalid ? { invalid } : {}), offset });
    }
    copyIntegerKeys(from, hash);
  }
}

/** Parses a Hiera YAML data file (or hiera.yaml) the way Puppet's `yaml_data` does. */
export function parseHieraYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const result: ParsedYaml = {
    value: undefined,
    invalid: new Map(),
    keyPositions: new Map(),
    duplicates: [],
  };
  const posOf = (offset: number): TextPos => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, col: p.col };
  };
  const docs = parseAllDocuments(source, {
    version: '1.1',
    schema: 'failsafe',
    merge: false,
    uniqueKeys: false,
    lineCounter,
    prettyErrors: false,
    strict: false,
  });
  const doc = Array.isArray(docs) ? docs[0] : undefined;
  if (!doc) return result;
  const err = doc.errors[0];
  if (err) {
    const offset = err.pos[0];
    result.error = { message: err.message.split('\n')[0]!, pos: posOf(offset) };
    return result;
  }
  try {
    const converter = new Converter(doc);
    const root = doc.contents as YamlNode | null;
    if (root && isMap(root) && !root.tag?.startsWith('!ruby/')) {
      const { converted, perKey } = converter.convertMap(root.items as never, true);
      result.value = converted.value;
      for (const [k, info] of perKey) {
        result.keyPositions.set(k, posOf(info.offset));
        if (info.invalid) result.invalid.set(k, info.invalid);
      }
    } else {
      result.value = root ? converter.convert(root).value : undefined;
    }
    result.duplicates = converter.duplicates.map((d) => ({ key: d.key, pos: posOf(d.offset) }));
  } catch (e) {
    if (!(e instanceof YamlLoadError)) throw e;
    result.value = undefined;
    result.error = { message: e.message, pos: posOf(e.offset), ...(e.limit ? { limit: true } : {}) };
  }
  return result;
}

export function isHashValue(v: unknown): v is Hash {
  return isHash(v) && !(v instanceof RubySymbol);
}
